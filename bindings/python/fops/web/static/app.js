// The fops web view: follows the session's event stream (/api/events) and
// draws its status, logs and timeline. The token comes from the address
// `fops up` printed; it is kept for this tab and sent with every request.
"use strict";

const params = new URLSearchParams(location.search);
const token = params.get("token") || sessionStorage.getItem("fops_token") || "";
if (params.get("token")) {
  sessionStorage.setItem("fops_token", token);
  history.replaceState(null, "", location.pathname);  // keep it out of the address bar
}

const MAX_LINES = 5000;      // per resource, in the page
const lines = [];            // every line received, oldest first (bounded)
let selected = "";           // "" : all resources
let snapshot = null;
let timelineVersion = -1;
let timelineAt = 0;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function short(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 1) return Math.round(seconds * 1000) + "ms";
  if (seconds < 60) return seconds.toFixed(seconds < 10 ? 1 : 0) + "s";
  return Math.floor(seconds / 60) + "m" + String(Math.round(seconds % 60)).padStart(2, "0") + "s";
}

function why(r) {
  const d = r.waiting_detail;
  if (r.waiting === "deps") return d ? "waiting on " + d : "waiting on deps";
  if (r.waiting === "slot") return "waiting for a free slot";
  if (r.waiting === "inputs") return "checking inputs";
  if (r.waiting === "probe") return d ? "probing: " + d : "waiting for readiness";
  if (r.state === "idle" && !r.reason) {
    if (r.trigger_mode === "manual") return "manual: trigger it";
    if (!r.auto_init) return "auto_init=False: trigger it";
    return "not started";
  }
  return r.reason || "";
}

async function post(path, body) {
  const answer = await fetch(path, {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-Fops-Token": token},
    body: JSON.stringify(body),
  });
  const text = await answer.json().catch(() => ({}));
  if (!answer.ok) alert(text.error || ("fops: " + answer.status));
}

function row(r, group) {
  const last = r.last_run;
  let lastText = "";
  if (last) {
    const start = new Date(last.start * 1000).toLocaleTimeString();
    lastText = start + " " + (last.duration === null ? short(snapshot.now - last.start) + "…" : short(last.duration));
  }
  const links = el("td", {class: "links"});
  for (const l of r.links) {
    links.append(el("a", {href: l.url, target: "_blank", rel: "noopener noreferrer"}, l.name || l.url), " ");
  }
  const trigger = el("button", {type: "button", class: "trigger", "data-resource": r.name, title: "run it now"}, "▶ trigger");
  trigger.addEventListener("click", (e) => { e.stopPropagation(); post("/api/trigger", {resource: r.name}); });
  const toggle = el("button", {type: "button", class: "toggle", "data-resource": r.name}, r.enabled ? "disable" : "enable");
  toggle.addEventListener("click", (e) => { e.stopPropagation(); post("/api/enable", {resource: r.name, enabled: !r.enabled}); });
  const stateClass = "state " + r.state.replace(/ /g, "-");
  const tr = el("tr", {class: "res" + (selected === r.name ? " selected" : ""), "data-resource": r.name, "data-state": r.state},
    el("td", {class: "name"}, (group ? "" : ""), r.name, r.trigger_mode === "manual" ? el("span", {class: "manual"}, "manual") : null),
    el("td", {}, el("span", {class: stateClass}, r.state + (r.ready === false && r.state === "running" ? "" : ""))),
    el("td", {class: "last"}, lastText),
    el("td", {class: "why"}, why(r)),
    links,
    el("td", {class: "actions"}, trigger, " ", toggle));
  tr.addEventListener("click", () => select(r.name));
  return tr;
}

function renderStatus() {
  const s = snapshot;
  $("command").textContent = s.command;
  $("mode").textContent = s.mode || "mode unknown";
  const serve = s.resources.filter((r) => r.serve);
  const ready = serve.filter((r) => r.state === "ready").length;
  const failing = s.resources.filter((r) => r.state === "failed" || r.state === "not ready").length;
  let text = s.resources.length + " resources";
  if (serve.length) text += " · " + ready + "/" + serve.length + " ready";
  if (failing) text += " · " + failing + " failing";
  if (s.finished) text += " · session ended";
  $("summary").textContent = text;
  // A reload that failed stays in sight until a good one.
  const reloadError = s.reload && s.reload.error ? s.reload.error : "";
  $("reload-error").hidden = !reloadError;
  $("reload-error-text").textContent = reloadError;
  document.title = "fops · " + (failing ? failing + " failing" : ready + "/" + serve.length + " ready");

  // Grouped by label as in Tilt: a resource with several labels is under each.
  const groups = new Map();
  const unlabelled = [];
  for (const r of s.resources) {
    if (!r.labels.length) unlabelled.push(r);
    for (const l of r.labels) { if (!groups.has(l)) groups.set(l, []); groups.get(l).push(r); }
  }
  const names = [...groups.keys()].sort();
  const body = $("rows");
  body.replaceChildren();
  for (const name of names) {
    body.append(el("tr", {class: "group"}, el("td", {colSpan: 6}, name)));
    for (const r of groups.get(name)) body.append(row(r, name));
  }
  if (unlabelled.length) {
    if (names.length) body.append(el("tr", {class: "group"}, el("td", {colSpan: 6}, "unlabeled")));
    for (const r of unlabelled) body.append(row(r, ""));
  }
  refreshTimeline(s.version);
}

let timelineTimer = null;
function refreshTimeline(version) {
  const now = Date.now();
  if (version === timelineVersion) return;
  if (now - timelineAt < 1000) {  // at most once a second, the last change included
    if (!timelineTimer) timelineTimer = setTimeout(() => { timelineTimer = null; refreshTimeline(snapshot.version); }, 1000);
    return;
  }
  timelineVersion = version;
  timelineAt = now;
  $("timeline").src = "/api/timeline.svg?token=" + encodeURIComponent(token) + "&v=" + version;
}

function lineElement(l) {
  return el("div", {class: "line " + l.stream, "data-resource": l.resource, "data-seq": String(l.seq)},
    selected ? "" : el("span", {class: "who"}, l.resource.padStart(13) + " │ "), l.text);
}

function renderLog() {
  const log = $("log");
  const shown = lines.filter((l) => !selected || l.resource === selected);
  log.replaceChildren(...shown.slice(-MAX_LINES).map(lineElement));
  if ($("follow").checked) log.scrollTop = log.scrollHeight;
}

function addLines(batch) {
  const log = $("log");
  for (const l of batch) {
    lines.push(l);
    if (!selected || l.resource === selected) log.append(lineElement(l));
  }
  if (lines.length > MAX_LINES * 4) lines.splice(0, lines.length - MAX_LINES * 4);
  while (log.childElementCount > MAX_LINES) log.firstElementChild.remove();
  if ($("follow").checked) log.scrollTop = log.scrollHeight;
}

function select(name) {
  selected = name;
  $("log-of").textContent = name || "all resources";
  if (snapshot) renderStatus();
  renderLog();
}

function connect() {
  const events = new EventSource("/api/events?token=" + encodeURIComponent(token));
  events.onopen = () => { $("connection").textContent = "live"; $("connection").className = "pill on"; };
  events.addEventListener("status", (e) => { snapshot = JSON.parse(e.data); renderStatus(); });
  events.addEventListener("logs", (e) => addLines(JSON.parse(e.data).lines));
  events.addEventListener("end", () => {
    events.close();
    $("connection").textContent = "session ended";
    $("connection").className = "pill off";
  });
  events.onerror = () => { $("connection").textContent = "disconnected"; $("connection").className = "pill off"; };
}

$("show-all").addEventListener("click", () => select(""));
// The running clocks move once a second.
setInterval(() => {
  if (!snapshot || snapshot.finished) return;
  snapshot.now += 1;
  if (snapshot.resources.some((r) => r.last_run && r.last_run.duration === null)) renderStatus();
}, 1000);
connect();
