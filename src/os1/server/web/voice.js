// Speech in the browser: push-to-talk and hands-free from the microphone (raw PCM over the
// WebSocket; the server transcribes), and the OS's spoken replies played as they arrive.
// Hands-free is half duplex: the mic is ignored while the OS thinks or speaks.
const CONSTRAINTS = {
  audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
};
const CHUNK_MS = 40; // what capture-worklet.js posts
const PREROLL = 8; // chunks kept from before speech starts, so first syllables survive
const END_SILENCE_MS = 800;
const MIN_SPEECH_MS = 240; // shorter bursts (a cough, a click) are dropped, not transcribed
// Hands-free listens from the start of what is said: after it is turned on, and after the OS
// has thought or spoken, it needs this much quiet first, or it would send the rest of a
// sentence already under way (half a question is misheard and answered).
const CALM_MS = 320;

export class Voice {
  constructor({ send, status, orb, isBusy }) {
    Object.assign(this, { send, status, orb, isBusy });
    this.ctx = null;
    this.out = null;
    this.handsFree = false;
    this.capturing = false;
    this.waiting = false;
    this.preroll = [];
    this.floor = 0.005;
    this.loud = 0;
    this.quietMs = 0;
    this.speechMs = 0;
    this.calmMs = 0;
    this.sources = [];
    this.playhead = 0;
  }

  bind(mic, handsFree, speakReplies) {
    this.mic = mic;
    mic.onpointerdown = (e) => {
      e.preventDefault();
      mic.setPointerCapture(e.pointerId);
      this.pressStart();
    };
    mic.onpointerup = () => this.pressEnd();
    mic.onpointercancel = () => this.pressEnd();
    mic.onkeydown = (e) => {
      if ((e.key === " " || e.key === "Enter") && !e.repeat) { e.preventDefault(); this.pressStart(); }
    };
    mic.onkeyup = (e) => { if (e.key === " " || e.key === "Enter") this.pressEnd(); };
    handsFree.onchange = async () => {
      this.handsFree = handsFree.checked;
      if (this.handsFree) {
        this.calmMs = 0;
        this.loud = 0;
        this.ensureOutput();
        if (!(await this.openMic())) { handsFree.checked = this.handsFree = false; return; }
        this.status("Hands-free: just talk to me.");
      } else {
        this.cancel();
        this.status("");
      }
    };
    speakReplies.onchange = () => this.ensureOutput();
  }

  async openMic() {
    if (this.ctx) {
      if (this.ctx.state === "suspended") await this.ctx.resume();
      return true;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
      const ctx = new AudioContext();
      await ctx.audioWorklet.addModule("/static/capture-worklet.js");
      const node = new AudioWorkletNode(ctx, "capture");
      node.port.onmessage = (e) => this.onChunk(e.data.pcm, e.data.rms);
      const mute = ctx.createGain();
      mute.gain.value = 0; // keeps the graph pulling frames without echoing the mic
      ctx.createMediaStreamSource(stream).connect(node);
      node.connect(mute).connect(ctx.destination);
      this.ctx = ctx;
      return true;
    } catch (err) {
      this.status(`I can't hear you: ${err.message || err.name}. Check the microphone permission.`);
      return false;
    }
  }

  begin() {
    this.stopPlayback(); // talking over the OS interrupts it
    if (this.isBusy()) this.send({ type: "stop" });
    this.send({ type: "voice_start", rate: this.ctx.sampleRate, speak: true });
    this.capturing = true;
    this.quietMs = 0;
    this.speechMs = 0;
    this.mic.classList.add("on");
    this.orb().classList.add("listening");
  }

  finish() {
    this.capturing = false;
    this.send({ type: "voice_end" });
    this.mic.classList.remove("on");
    this.orb().classList.remove("listening");
    this.status("Thinking…");
  }

  cancel() {
    if (this.capturing) this.send({ type: "voice_cancel" });
    this.capturing = false;
    this.waiting = false;
    this.mic.classList.remove("on");
    this.orb().classList.remove("listening");
  }

  async pressStart() {
    if (this.capturing || this.handsFree) return;
    this.ensureOutput();
    if (await this.openMic()) this.begin();
  }

  pressEnd() {
    if (this.capturing && !this.handsFree) this.finish();
  }

  onChunk(pcm, rms) {
    if (!this.handsFree) {
      if (this.capturing) this.send(pcm);
      return;
    }
    if (this.waiting || this.speaking()) {
      this.calmMs = 0;
      return;
    }
    const threshold = Math.max(0.012, this.floor * 3);
    if (!this.capturing) {
      this.preroll.push(pcm);
      if (this.preroll.length > PREROLL) this.preroll.shift();
      if (rms > threshold) {
        this.loud += 1;
        if (this.calmMs < CALM_MS) this.calmMs = 0; // still inside something already said
      } else {
        this.loud = 0;
        this.calmMs += CHUNK_MS;
        this.floor = 0.95 * this.floor + 0.05 * rms;
      }
      if (this.loud >= 2 && this.calmMs >= CALM_MS) {
        this.begin();
        for (const p of this.preroll) this.send(p);
        this.preroll = [];
        this.loud = 0;
        this.calmMs = 0;
      }
      return;
    }
    this.send(pcm);
    this.quietMs = rms < threshold ? this.quietMs + CHUNK_MS : 0;
    if (rms >= threshold) this.speechMs += CHUNK_MS;
    if (this.quietMs < END_SILENCE_MS) return;
    if (this.speechMs < MIN_SPEECH_MS) {
      this.cancel();
      this.calmMs = this.quietMs; // the quiet that ended the burst counts
      return;
    }
    this.finish();
    this.waiting = true;
  }

  turnOver() { this.waiting = false; }

  ensureOutput() {
    if (!this.out) this.out = new AudioContext();
    if (this.out.state === "suspended") this.out.resume();
  }

  play(buf) {
    this.ensureOutput();
    const rate = new DataView(buf).getUint32(0, true);
    const pcm = new Int16Array(buf, 4, (buf.byteLength - 4) >> 1);
    if (!pcm.length) return;
    const samples = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768;
    const audio = this.out.createBuffer(1, samples.length, rate);
    audio.copyToChannel(samples, 0);
    const src = this.out.createBufferSource();
    src.buffer = audio;
    src.connect(this.out.destination);
    const at = Math.max(this.out.currentTime + 0.05, this.playhead);
    src.start(at);
    this.playhead = at + audio.duration;
    this.sources.push(src);
    src.onended = () => {
      this.sources = this.sources.filter((s) => s !== src);
      if (!this.sources.length) this.orb().classList.remove("speaking");
    };
    this.orb().classList.add("speaking");
  }

  speaking() { return !!this.out && this.playhead > this.out.currentTime; }

  stopPlayback() {
    for (const s of this.sources) { try { s.stop(); } catch { /* already ended */ } }
    this.sources = [];
    this.playhead = 0;
  }
}
