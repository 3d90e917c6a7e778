// Microphone capture on the audio thread: mono float frames -> 16-bit PCM chunks of ~40 ms,
// posted (transferred) to the page, which forwards them over the WebSocket.
class Capture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.size = Math.round(sampleRate * 0.04);
    this.buf = new Int16Array(this.size);
    this.fill = 0;
    this.sum = 0;
  }

  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (!ch) return true;
    for (let i = 0; i < ch.length; i++) {
      const s = Math.max(-1, Math.min(1, ch[i]));
      this.buf[this.fill++] = s * 32767;
      this.sum += s * s;
      if (this.fill === this.size) {
        const rms = Math.sqrt(this.sum / this.size);
        this.port.postMessage({ pcm: this.buf.buffer, rms }, [this.buf.buffer]);
        this.buf = new Int16Array(this.size);
        this.fill = 0;
        this.sum = 0;
      }
    }
    return true;
  }
}

registerProcessor("capture", Capture);
