// The side panels: approvals inbox, memory browser, mail triage, mood chart, API tokens.
const $ = (sel) => document.querySelector(sel);
const SVG = "http://www.w3.org/2000/svg";

function when(ts) {
  if (!ts) return "";
  const d = new Date(ts * 1000);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleDateString([], { month: "short", day: "numeric" });
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

export class Panels {
  constructor({ api, el, setMood, note }) {
    Object.assign(this, { api, el, setMood, note });
    this.loaders = {
      inbox: () => this.loadInbox(),
      memory: () => this.loadMemory(""),
      mail: () => this.loadMail(),
      mood: () => this.refreshMood(),
      apps: () => this.loadApps(),
    };
    $("#memory-search").onsubmit = (e) => { e.preventDefault(); this.loadMemory($("#memory-q").value); };
    $("#token-form").onsubmit = (e) => { e.preventDefault(); this.createToken(); };
  }

  open(name) {
    for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.tab === name);
    for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== `panel-${name}`;
    (this.loaders[name] || (() => {}))();
  }

  card(title, meta, body) {
    const li = this.el("li");
    const main = this.el("div", "main");
    if (title) main.append(this.el("div", "title", title));
    if (meta) main.append(this.el("div", "meta", meta));
    if (body) main.append(this.el("div", "body", body));
    li.append(main);
    return li;
  }

  empty(list, text) { list.replaceChildren(this.el("li", "empty", text)); }

  failed(list, err) { this.empty(list, err.message); }

  // ------------------------------------------------------------ approvals
  async inboxCount() {
    try {
      const { pending } = await this.api("/api/approvals");
      const badge = $("#inbox-count");
      badge.textContent = pending.length;
      badge.hidden = !pending.length;
    } catch { /* the badge is a hint only */ }
  }

  describe(args) {
    const lines = [];
    for (const key of ["to", "cc", "subject", "when", "title"]) if (args[key]) lines.push(`${key}: ${args[key]}`);
    const text = args.body || args.text || "";
    if (text) lines.push("", String(text).slice(0, 600));
    return lines.join("\n");
  }

  async loadInbox() {
    const list = $("#approvals");
    try {
      const { pending, decided } = await this.api("/api/approvals");
      list.replaceChildren();
      for (const a of pending) list.append(this.approvalCard(a));
      if (!pending.length) this.empty(list, "Nothing is waiting for you.");
      const done = $("#decided");
      done.replaceChildren();
      for (const a of decided) {
        const li = this.card(a.summary, `${a.status} · ${when(a.decided)}`, a.result);
        li.dataset.status = a.status;
        done.append(li);
      }
      this.inboxCount();
    } catch (err) { this.failed(list, err); }
  }

  approvalCard(a) {
    const li = this.card(a.summary, `${a.reason} · ${when(a.created)}`, this.describe(a.arguments));
    li.dataset.id = a.id;
    const actions = this.el("div", "actions");
    const yes = this.el("button", "primary approve", "Approve");
    const no = this.el("button", "reject", "Not now");
    yes.onclick = () => this.decide(a.id, "approve", yes, no);
    no.onclick = () => this.decide(a.id, "reject", yes, no);
    actions.append(no, yes);
    li.append(actions);
    return li;
  }

  async decide(id, how, ...buttons) {
    for (const b of buttons) b.disabled = true;
    try {
      const r = await this.api(`/api/approvals/${encodeURIComponent(id)}/${how}`, { method: "POST" });
      if (how === "approve") this.note(r.status === "done" ? `Done: ${r.result}` : `That failed: ${r.result}`, r.status !== "done");
    } catch (err) { this.note(err.message, true); }
    this.loadInbox();
  }

  // ------------------------------------------------------------ memory
  async loadMemory(query) {
    const list = $("#memories");
    const q = query.trim();
    const asked = (this.memoryAsked = (this.memoryAsked || 0) + 1);
    try {
      list.dataset.query = q;
      list.dataset.state = "searching";  // the old results stay, dimmed, until the new ones come
      const { memories } = await this.api(`/api/memory?q=${encodeURIComponent(q)}&limit=60`);
      if (asked !== this.memoryAsked) return;  // a newer search was made: its answer wins
      list.dataset.state = "shown";
      list.replaceChildren();
      for (const m of memories) list.append(this.memoryCard(m));
      if (!memories.length) this.empty(list, q ? "I don't remember anything like that." : "Nothing yet. Talk to me.");
    } catch (err) {
      if (asked !== this.memoryAsked) return;
      list.dataset.state = "failed";
      this.failed(list, err);
    }
  }

  memoryCard(m) {
    const li = this.card("", `${m.kind}${m.current ? "" : " · no longer true"} · ${when(m.created)}`, m.text);
    li.dataset.id = m.id;
    const forget = this.el("button", "forget", "Forget");
    forget.onclick = async () => {
      if (!forget.classList.contains("confirm")) {
        forget.classList.add("confirm");
        forget.textContent = "Really forget?";
        return;
      }
      forget.disabled = true;
      try {
        await this.api(`/api/memory/${encodeURIComponent(m.id)}/forget`, { method: "POST" });
        li.remove();
      } catch (err) { forget.disabled = false; this.note(err.message, true); }
    };
    const actions = this.el("div", "actions");
    actions.append(forget);
    li.append(actions);
    return li;
  }

  // ------------------------------------------------------------ mail
  async loadMail() {
    const list = $("#mail");
    try {
      const { available, messages } = await this.api("/api/mail");
      list.replaceChildren();
      if (!available) return this.empty(list, "No mail account is connected to this OS yet.");
      for (const m of messages) {
        const from = m.from_name || m.from_addr;
        const li = this.card(m.subject || "(no subject)", `${from} · ${when(m.date)}`, m.ask || m.triage_reasons);
        const tags = this.el("div", "meta");
        if (m.category) tags.append(this.el("span", "chip", m.category));
        if (m.priority > 0) tags.append(this.el("span", "chip", `priority ${m.priority}`));
        if (m.deadline) tags.append(this.el("span", "chip", `by ${m.deadline}`));
        if (m.suspicious) tags.append(this.el("span", "chip warn", `careful: ${m.suspicious_reasons}`));
        li.querySelector(".main").append(tags);
        list.append(li);
      }
      if (!messages.length) this.empty(list, "Your inbox is empty.");
    } catch (err) { this.failed(list, err); }
  }

  // ------------------------------------------------------------ mood
  async refreshMood() {
    try {
      const { current, history } = await this.api("/api/mood");
      this.setMood(current);
      const why = current.cause ? ` (${current.cause})` : "";
      $("#mood-now").textContent = `Right now I feel ${current.mood}${why}.`;
      this.chart(history);
    } catch (err) { $("#mood-now").textContent = err.message; }
  }

  chart(points) {
    const box = $("#mood-chart");
    if (points.length < 2) {
      box.replaceChildren(this.el("p", "hint", "Talk with me for a while and you'll see how my mood moves."));
      return;
    }
    const W = 700, H = 260, L = 34, R = 12, T = 14, B = 28;
    const t0 = points[0].ts, t1 = points[points.length - 1].ts || t0 + 1;
    const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
    const yv = (v) => T + ((1 - v) / 2) * (H - T - B); // valence -1..1
    const ya = (a) => T + (1 - a) * (H - T - B); // arousal 0..1
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Mood over time" });
    const defs = svg("defs", {});
    const grad = svg("linearGradient", { id: "warm", x1: 0, y1: 0, x2: 0, y2: 1 });
    grad.append(svg("stop", { offset: "0", "stop-color": "#e2674f" }), svg("stop", { offset: "1", "stop-color": "#fff8f3" }));
    defs.append(grad);
    root.append(defs);
    for (const [v, label] of [[1, "happy"], [0, ""], [-1, "low"]]) {
      root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: yv(v), y2: yv(v) }));
      if (label) root.append(svg("text", { x: 0, y: yv(v) + 4 }, label));
    }
    const vline = points.map((p, i) => `${i ? "L" : "M"}${x(p.ts).toFixed(1)},${yv(p.valence).toFixed(1)}`).join(" ");
    root.append(svg("path", { class: "area", d: `${vline} L${x(t1)},${yv(-1)} L${x(t0)},${yv(-1)} Z` }));
    root.append(svg("path", { class: "arousal", d: points.map((p, i) => `${i ? "L" : "M"}${x(p.ts).toFixed(1)},${ya(p.arousal).toFixed(1)}`).join(" ") }));
    root.append(svg("path", { class: "valence", d: vline }));
    for (const p of points.slice(-40)) {
      const dot = svg("circle", { cx: x(p.ts), cy: yv(p.valence), r: 3.5 });
      dot.append(svg("title", {}, `${new Date(p.ts * 1000).toLocaleString()}: ${p.mood}${p.cause ? ` (${p.cause})` : ""}`));
      root.append(dot);
    }
    root.append(svg("text", { x: L, y: H - 6 }, when(t0)), svg("text", { x: W - R - 40, y: H - 6 }, when(t1)));
    box.replaceChildren(root);
  }

  // ------------------------------------------------------------ API tokens
  async loadApps() {
    $("#api-base").textContent = `${location.origin}/v1`;
    const list = $("#tokens");
    try {
      const { tokens } = await this.api("/api/tokens");
      list.replaceChildren();
      for (const t of tokens) {
        const li = this.card(t.label || "token", `made ${when(t.created)}`);
        const revoke = this.el("button", "", "Revoke");
        revoke.onclick = async () => {
          await this.api(`/api/tokens/${encodeURIComponent(t.id)}/revoke`, { method: "POST" });
          this.loadApps();
        };
        li.append(revoke);
        list.append(li);
      }
      if (!tokens.length) this.empty(list, "No tokens yet.");
    } catch (err) { this.failed(list, err); }
  }

  async createToken() {
    try {
      const { token } = await this.api("/api/tokens", { method: "POST", body: { label: $("#token-label").value } });
      $("#token-new").textContent = `${token}  (shown once: copy it now)`;
      $("#token-new").hidden = false;
      $("#token-label").value = "";
      this.loadApps();
    } catch (err) { this.note(err.message, true); }
  }
}
