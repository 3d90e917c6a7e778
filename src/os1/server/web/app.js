// os1 in the browser: sign in, first boot, the conversation. Panels live in panels.js,
// microphone and speaker in voice.js, camera mode in camera.js. Text from the server is only
// ever set as textContent.
import { Camera } from "./camera.js";
import { Panels } from "./panels.js";
import { Voice } from "./voice.js";

const $ = (sel) => document.querySelector(sel);
const state = { user: null, csrf: "", persona: null, ws: null, current: null, busy: false,
  pending: null };  // pending: the typed message whose answer has not ended yet (resent on reconnect)
window.os1Debug = { audioFrames: 0, transcripts: [], events: [], resent: 0,
  drop: () => state.ws && state.ws.close() };  // drop: what a lost connection does (tests)

// a message's own id: sent again after a lost connection, the server stores it once and
// replays or finishes its answer instead of answering twice
function messageId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)),
    (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function api(path, { method = "GET", body } = {}) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = state.csrf;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  let data = {};
  try { data = await res.json(); } catch { /* no body */ }
  if (!res.ok) {
    const err = new Error(data.error || `The server answered ${res.status}; try again.`);
    err.status = res.status;
    throw err;
  }
  return data;
}

function show(view) {
  for (const v of ["auth", "boot", "main"]) $(`#view-${v}`).hidden = v !== view;
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------- sign in
function showAuth(signup) {
  show("auth");
  let mode = "login";
  const setMode = (m) => {
    mode = m;
    $("#auth-submit").textContent = m === "login" ? "Log in" : "Create account";
    $("#auth-switch-text").textContent = m === "login" ? "New here?" : "Already have an account?";
    $("#auth-switch").textContent = m === "login" ? "Create an account" : "Log in instead";
    $("#auth-password").autocomplete = m === "login" ? "current-password" : "new-password";
    $("#auth-error").textContent = "";
  };
  setMode("login");
  $("#auth-switch").parentElement.hidden = !signup;
  $("#auth-switch").onclick = () => setMode(mode === "login" ? "signup" : "login");
  $("#auth-form").onsubmit = async (e) => {
    e.preventDefault();
    $("#auth-submit").disabled = true;
    try {
      const r = await api(`/api/${mode}`, { method: "POST", body: {
        name: $("#auth-name").value, password: $("#auth-password").value } });
      state.csrf = r.csrf;
      state.user = r.user;
      await enter();
    } catch (err) {
      $("#auth-error").textContent = err.message;
    } finally {
      $("#auth-submit").disabled = false;
    }
  };
}

// ---------------------------------------------------------------- first boot
function bootLine(text, cls = "") {
  const li = el("li", cls, text);
  $("#boot-lines").append(li);
  return li;
}

function ask(kind, choices) {
  // one answer: typed, or picked from choices
  return new Promise((resolve) => {
    const form = $("#boot-form");
    const box = $("#boot-choices");
    form.hidden = kind === "choice";
    box.hidden = kind !== "choice";
    box.replaceChildren();
    const done = (value) => {
      form.onsubmit = null;
      bootLine(value, "you");
      resolve(value);
    };
    for (const c of choices || []) {
      const b = el("button", "", c);
      b.type = "button";
      b.onclick = () => { box.hidden = true; done(c); };
      box.append(b);
    }
    form.onsubmit = (e) => {
      e.preventDefault();
      const value = $("#boot-input").value.trim();
      if (!value) return;
      $("#boot-input").value = "";
      done(value);
    };
    if (kind !== "choice") $("#boot-input").focus();
  });
}

async function firstBoot(info) {
  show("boot");
  $("#boot-lines").replaceChildren();
  const [qName, qStyle, qWish] = info.questions;
  bootLine(qName);
  const name = await ask("text");
  bootLine(qStyle);
  const style = await ask("choice", info.styles);
  bootLine(qWish);
  const wish = await ask("text");
  let voice = "";
  if (info.voices.length > 1) {
    bootLine("And which voice should I speak with?");
    voice = await ask("choice", info.voices);
  }
  $("#boot-form").hidden = true;
  $("#boot-orb").classList.add("thinking");
  bootLine("Give me a moment. I'm thinking about who I am…");
  try {
    const r = await api("/api/first-boot", { method: "POST", body: { name, style, wish, voice } });
    state.persona = r.persona;
    bootLine("I've chosen a name.");
    bootLine(`${r.persona.os_name}.`, "name");
    bootLine(`Hi, ${r.persona.user_name}. It's good to meet you.`);
    const go = el("button", "primary", "Begin");
    go.id = "boot-begin";
    go.onclick = () => showMain();
    $("#boot-choices").replaceChildren(go);
    $("#boot-choices").hidden = false;
  } catch (err) {
    bootLine(err.message, "you");
  } finally {
    $("#boot-orb").classList.remove("thinking");
  }
}

// ---------------------------------------------------------------- the conversation
function addMessage(kind, text) {
  const li = el("li", kind);
  if (kind.startsWith("user")) li.append(el("span", "bubble", text));
  else li.append(el("span", "text", text));
  $("#messages").append(li);
  li.scrollIntoView({ block: "end", behavior: "smooth" });
  return li;
}

function note(text, bad = false) { addMessage(bad ? "note bad" : "note", text); }

function setBusy(busy) {
  state.busy = busy;
  $("#send").setAttribute("aria-label", busy ? "Stop" : "Send");
  $("#send").classList.toggle("stopping", busy);
  $("#orb").classList.toggle("thinking", busy);
}

function setMood(mood) {
  if (!mood) return;
  // valence -1..1 -> hue: cool lavender when low, warm coral when content, gold when joyful
  const hue = mood.valence < 0 ? 12 + mood.valence * 60 + 360 : 12 + mood.valence * 28;
  for (const orb of document.querySelectorAll(".orb")) orb.style.setProperty("--hue", hue % 360);
  $("#mood-word").textContent = `feeling ${mood.mood}`;
}

const handlers = {
  turn_started() { state.current = addMessage("os streaming", ""); setBusy(true); },
  text_delta(ev) {
    if (!state.current) state.current = addMessage("os streaming", "");
    state.current.querySelector(".text").textContent += ev.text;
    state.current.scrollIntoView({ block: "end" });
  },
  turn_ended(ev) {
    state.pending = null;
    if (state.current) {
      state.current.classList.remove("streaming");
      if (!state.current.textContent.trim()) state.current.remove();
    }
    state.current = null;
    setBusy(false);
    voice.turnOver();
  },
  transcript(ev) { window.os1Debug.transcripts.push(ev.text); addMessage("user heard", ev.text); },
  listening() { $("#status").textContent = "Listening…"; },
  error(ev) {
    // in hands-free mode a noise that held no words is not worth a line in the conversation
    if (voice.handsFree && ev.kind === "InputError") $("#status").textContent = ev.message;
    else note(ev.message, true);
    if (state.current && !state.current.textContent.trim()) { state.current.remove(); state.current = null; }
    if (ev.kind !== "busy") { state.pending = null; setBusy(false); voice.turnOver(); }
  },
  mood_changed(ev) { setMood(ev); },
  approval_needed(ev) { note(`I'd like your OK first: ${ev.summary}. It's in your inbox.`); panels.inboxCount(); },
  action_done(ev) { note(`Done: ${ev.result || ev.tool}`); },
  notice(ev) { note(ev.text); },
  // something os1 says on its own (a reminder, the morning briefing), with its reason
  initiative(ev) {
    const li = addMessage("os initiative", ev.text);
    li.dataset.kind = ev.kind;
    li.append(el("span", "why", ev.approval_id ? `${ev.reason} It's waiting for your OK in the inbox.` : ev.reason));
    if (ev.approval_id) panels.inboxCount();
  },
  session_started() {
    $("#messages").replaceChildren();
    addMessage("os", `I'm listening, ${state.persona.user_name}.`);
  },
};

function connect(delay = 500) {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.binaryType = "arraybuffer";
  state.ws = ws;
  ws.onopen = () => {
    $("#status").textContent = "";
    delay = 500;
    if (state.pending) {  // the connection dropped before the answer ended: ask again, same id
      window.os1Debug.resent += 1;
      ws.send(JSON.stringify(state.pending));
    }
  };
  ws.onmessage = (m) => {
    if (m.data instanceof ArrayBuffer) {
      window.os1Debug.audioFrames += 1;
      voice.play(m.data);
      return;
    }
    const ev = JSON.parse(m.data);
    window.os1Debug.events.push(ev.type);
    if (ev.type !== "listening") $("#status").textContent = "";
    (handlers[ev.type] || (() => {}))(ev);
  };
  ws.onclose = async () => {
    if (state.ws !== ws) return;
    setBusy(false);
    if (state.current && state.pending) {  // its answer comes again, whole, after reconnecting
      state.current.remove();
      state.current = null;
    }
    const s = await api("/api/session").catch(() => null);
    if (s && !s.user) { location.reload(); return; }
    $("#status").textContent = "Reconnecting…";
    setTimeout(() => connect(Math.min(delay * 2, 10000)), delay);
  };
}

export function send(msg) {
  if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
    note("I'm not connected right now; trying again in a moment.", true);
    return false;
  }
  const binary = msg instanceof ArrayBuffer;
  state.ws.send(binary || typeof msg === "string" ? msg : JSON.stringify(msg));
  return true;
}

function sendTyped() {
  const text = $("#say").value.trim();
  if (!text) return;
  const msg = { type: "chat", text, speak: $("#speak-replies").checked, id: messageId() };
  if (send(msg)) {
    state.pending = msg;
    addMessage("user", text);
    $("#say").value = "";
    $("#say").style.height = "";
  }
}

async function loadHistory() {
  const { turns } = await api("/api/history");
  $("#messages").replaceChildren();
  for (const t of turns) addMessage(t.role === "user" ? "user" : "os", t.text);
  if (!turns.length) addMessage("os", `Hi ${state.persona.user_name}. I'm here.`);
}

const voice = new Voice({ send, status: (t) => { $("#status").textContent = t; },
  orb: () => $("#orb"), isBusy: () => state.busy });
const panels = new Panels({ api, el, setMood, note });
const camera = new Camera({ csrf: () => state.csrf });

async function showMain() {
  show("main");
  $("#os-name").textContent = state.persona.os_name;
  document.title = `${state.persona.os_name} · OS1`;
  for (const tab of document.querySelectorAll(".tab")) tab.onclick = () => panels.open(tab.dataset.tab);
  $("#composer").onsubmit = (e) => {
    e.preventDefault();
    if (state.busy) send({ type: "stop" }); else sendTyped();
  };
  $("#say").onkeydown = (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); if (!state.busy) sendTyped(); }
  };
  $("#say").oninput = () => {
    $("#say").style.height = "";
    $("#say").style.height = `${Math.min($("#say").scrollHeight, 160)}px`;
  };
  $("#new-session").onclick = () => send({ type: "new_session" });
  $("#logout").onclick = async () => {
    camera.stop();
    await api("/api/logout", { method: "POST" });
    location.reload();
  };
  voice.bind($("#mic"), $("#hands-free"), $("#speak-replies"));
  camera.bind({ toggle: $("#camera-toggle"), box: $("#camera-box"), video: $("#camera-view"),
    badge: $("#camera-on"), seen: $("#camera-seen") });
  await loadHistory();
  connect();
  panels.inboxCount();
  panels.refreshMood();
  $("#say").focus();
}

async function enter() {
  const p = await api("/api/persona");
  state.persona = p.persona;
  if (!p.persona) await firstBoot(p);
  else await showMain();
}

async function start() {
  try {
    const s = await api("/api/session");
    state.csrf = s.csrf;
    state.user = s.user;
    if (!s.user) showAuth(s.signup);
    else await enter();
  } catch (err) {
    document.body.textContent = `os1 could not start: ${err.message}`;
  }
}

start();
