// Camera mode: off until the user turns it on. While on, the preview, a red "Camera on" badge
// and the browser's own camera light show it; every few seconds one frame (640 pixels wide,
// JPEG) goes to the server, which looks at it as `os1 look` does, answers with what it sees and
// keeps that in this user's memory. Turning it off stops the camera itself, not just sending.
const EVERY_MS = 5000;
const WIDTH = 640;
const CONSTRAINTS = { audio: false, video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "environment" } };

export class Camera {
  constructor({ csrf }) {
    this.csrf = csrf;
    this.stream = null;
    this.timer = null;
    this.sending = false;
    this.kept = null;
    this.canvas = document.createElement("canvas");
    window.os1Debug.cameraFrames = 0;
  }

  bind({ toggle, box, video, badge, seen }) {
    Object.assign(this, { toggle, box, video, badge, seen });
    toggle.onchange = async () => {
      if (!toggle.checked) { this.stop(); return; }
      if (!(await this.start())) toggle.checked = false;
    };
  }

  get on() { return this.stream !== null; }

  async start() {
    if (this.on) return true;
    try {
      this.stream = await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
    } catch (err) {
      this.box.hidden = false;
      this.video.hidden = true;
      this.seen.textContent = `I can't see: ${err.message || err.name}. Check the camera permission.`;
      return false;
    }
    this.video.hidden = false;
    this.video.srcObject = this.stream;
    this.seen.textContent = "Looking…";
    this.box.hidden = false;
    this.badge.hidden = false;
    for (const track of this.stream.getVideoTracks()) track.onended = () => this.stop();
    this.timer = setInterval(() => this.snap(), EVERY_MS);
    // the first look as soon as a picture has really been shown (an earlier one is black)
    const first = () => setTimeout(() => this.snap(), 300);
    if ("requestVideoFrameCallback" in this.video) this.video.requestVideoFrameCallback(first);
    else this.video.onplaying = first;
    return true;
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
    this.box.hidden = true;
    this.badge.hidden = true;
    this.toggle.checked = false;
  }

  frame() {
    const v = this.video;
    const scale = Math.min(1, WIDTH / v.videoWidth);
    this.canvas.width = Math.round(v.videoWidth * scale);
    this.canvas.height = Math.round(v.videoHeight * scale);
    this.canvas.getContext("2d").drawImage(v, 0, 0, this.canvas.width, this.canvas.height);
    return new Promise((resolve) => this.canvas.toBlob(resolve, "image/jpeg", 0.85));
  }

  async snap() {
    if (!this.on || this.sending || !this.video.videoWidth) return;
    this.sending = true;
    try {
      const blob = await this.frame();
      if (!blob || !this.on) return;
      const res = await fetch("/api/look", {
        method: "POST", body: blob, credentials: "same-origin",
        headers: { "Content-Type": "image/jpeg", "X-CSRF-Token": this.csrf() },
      });
      const data = await res.json().catch(() => ({}));
      window.os1Debug.cameraFrames += 1;
      if (!this.on) return; // turned off while the server looked: show nothing more
      if (res.ok) this.show(data);
      else if (res.status === 401) { this.stop(); location.reload(); }
      else if (res.status !== 429 && res.status !== 503) this.seen.textContent = data.error || `The server answered ${res.status}.`;
    } catch (err) {
      if (this.on) this.seen.textContent = `I couldn't send what the camera sees: ${err.message}`;
    } finally {
      this.sending = false;
    }
  }

  show(sight) {
    // the summary already carries any words read; a model's description stands on its own
    const lines = [sight.model_description || `I see ${sight.summary}.`];
    if (sight.remembered) this.kept = { id: sight.remembered, at: new Date() };
    if (this.kept) {
      const at = this.kept.at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      lines.push(sight.remembered ? "I'll remember this." : `Kept in my memory at ${at}; I'll keep what changes.`);
      this.seen.dataset.remembered = this.kept.id;
    }
    this.seen.textContent = lines.join("\n");
  }
}
