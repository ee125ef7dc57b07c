// The work dashboard: tabs 待认领 / 我的 / 升级/督办 / 全部, filters, live rows with countdowns.
// The list of a tab comes from GET /api/incidents?view=… (the server scopes it to the viewer);
// the live rows (snapshot + pushes) add the open clocks, summary and escalation. A push moves
// a row in or out of the tab at once when the row says enough, else the list is re-read
// (throttled to once a second).

import {
  AlertBanner, STATUS_LABEL, api, claimantOf, el, errorText, isMine, list, setupHeader, show, unitsOf, whoami,
} from "./common.js";
import { clockOf, countdownNode, nextDue, startTicking } from "./countdown.js";
import { Live } from "./live.js";

const FILTERS = ["region", "unit", "topic", "severity", "status"];
const OVERSIGHT = new Set(["coordinator", "leader", "reviewer", "admin"]);
const state = { user: null, view: "unclaimed", known: new Set(), loaded: false, reloadTimer: null, loading: null, list: [] };
// dashboard rows (clocks, summary, escalation) from the snapshot and the pushes, newest `as_of` wins
const live = new Map();

const rows = document.getElementById("rows");
const alerts = new AlertBanner(document.getElementById("alerts"));

function params() {
  const q = new URLSearchParams({ view: state.view, limit: "500" });
  const form = document.getElementById("filters");
  for (const name of FILTERS) {
    const value = form.elements[name].value.trim();
    if (value) q.set(name, value);
  }
  return q;
}

// The server decides (service.workflow.states); the button is offered where it will agree:
// an unclaimed incident assigned to the liaison's unit.
function canClaim(inc) {
  if (inc.status !== "unclaimed") return false;
  if (state.user.role === "admin") return true;
  return state.user.role === "liaison" && unitsOf(inc).includes(state.user.unit);
}

function severityBadge(severity) {
  const level = { 特别重大: "s1", 重大: "s2", 一般: "s3" }[severity] || "s3";
  return el("span", { class: `badge ${level}` }, severity || "—");
}

function statusBadge(status) {
  return el("span", { class: `status st-${status}` }, STATUS_LABEL[status] || status || "—");
}

function title(inc) {
  const summary = inc.title || inc.summary || inc.headline || "";
  return el("div", { class: "ev" },
    el("a", { href: `/incidents/${inc.id}`, class: "ev-link" }, `#${inc.id} ${inc.topic || ""}`),
    summary ? el("div", { class: "ev-summary" }, summary) : null,
    el("div", { class: "muted small" }, list(inc.regions).join("、") || inc.level_region || ""));
}

function actions(inc) {
  const cell = el("td", { class: "acts" });
  if (canClaim(inc)) {
    const button = el("button", { type: "button", class: "primary claim", "data-action": "claim" }, "认领");
    button.addEventListener("click", () => claim(inc, button));
    cell.append(button);
  }
  if (inc.status === "claimed" && (isMine(inc, state.user) || state.user.role === "admin")) {
    cell.append(el("a", { class: "button primary", href: `/incidents/${inc.id}#respond`, "data-action": "respond" }, "回应"));
  }
  cell.append(el("a", { class: "button ghost", href: `/incidents/${inc.id}` }, "详情"));
  return cell;
}

// an unanswered 督办单 is an open clock "supervision:<id>": the incident belongs on the board
function supervised(inc) {
  return Object.keys(inc.clocks || {}).some((kind) => kind.startsWith("supervision:"));
}

function row(inc) {
  const escalated = list(inc.escalations).length > 0 || Boolean(inc.escalation);
  const tr = el("tr", { "data-incident-id": inc.id, "data-status": inc.status, class: escalated ? "escalated" : "" },
    el("td", {}, severityBadge(inc.severity)),
    el("td", {}, title(inc)),
    el("td", {}, list(inc.first_responsible).join("、") || "—"),
    el("td", {}, statusBadge(inc.status), inc.escalation ? el("span", { class: `esc-tag esc-${inc.escalation.step}` }, inc.escalation.label) : null),
    el("td", { class: "claimant" }, claimantOf(inc) || "—"),
    el("td", {}, countdownNode(clockOf(inc, "response"), done(inc, "response"))),
    el("td", {}, countdownNode(clockOf(inc, "feedback"), done(inc, "feedback"))),
    actions(inc));
  if (state.loaded && !state.known.has(inc.id)) tr.classList.add("fresh");
  return tr;
}

// A clock absent from the open clocks of an answered incident was met by the response.
function done(inc, kind) {
  if (!["responded", "closed"].includes(inc.status)) return false;
  return kind === "response" || Boolean(inc.verification_request);
}

function urgency(inc) {
  if (inc.status === "closed") return Infinity;
  const clock = nextDue(inc);
  return clock ? Date.parse(clock.due_at) : Number.MAX_SAFE_INTEGER;
}

function keep(row) {
  const old = live.get(row.id);
  if (!old || !(old.as_of > row.as_of)) live.set(row.id, row);
}

// A listed incident with what the live rows know about it (its open clocks above all).
function merged(inc) {
  const row = live.get(inc.id);
  return row ? { ...inc, ...row } : inc;
}

function render(incidents) {
  state.list = incidents;
  // a list read just before a push may still hold a row the push moved out of this tab
  const sorted = incidents.map(merged).filter((i) => matches(i) !== false).sort((a, b) => urgency(a) - urgency(b) || b.id - a.id);
  rows.replaceChildren(...sorted.map(row));
  document.getElementById("empty").hidden = sorted.length > 0;
  state.known = new Set(sorted.map((i) => i.id));
  state.loaded = true;
  fillDatalists(sorted);
  const count = document.querySelector(`[data-count="${state.view}"]`);
  if (count) count.textContent = String(sorted.length);
}

function fillDatalists(incidents) {
  const values = { region: new Set(), unit: new Set(), topic: new Set() };
  for (const inc of incidents) {
    [inc.level_region, ...list(inc.regions)].filter(Boolean).forEach((v) => values.region.add(v));
    [...list(inc.first_responsible), ...list(inc.co_responsible)].forEach((v) => values.unit.add(v));
    if (inc.topic) values.topic.add(inc.topic);
  }
  for (const [name, set] of Object.entries(values)) {
    const node = document.getElementById(`dl-${name}`);
    const have = new Set([...node.options].map((o) => o.value));
    for (const v of set) if (!have.has(v)) node.append(el("option", { value: v }));
  }
}

async function load() {
  if (state.loading) { state.again = true; return state.loading; }
  state.loading = (async () => {
    try {
      const data = await api(`/api/incidents?${params()}`);
      render(Array.isArray(data) ? data : (data.incidents || data.items || []));
      show(document.getElementById("list-error"), "");
    } catch (err) {
      show(document.getElementById("list-error"), `加载失败：${errorText(err)}`);
    }
  })();
  await state.loading;
  state.loading = null;
  if (state.again) { state.again = false; return load(); }
}

const MIN_RELOAD_MS = 1000;

function scheduleLoad(delay = 250) {
  if (state.reloadTimer) return; // one pending re-read serves every push until it runs
  const wait = Math.max(delay, (state.lastLoad || 0) + MIN_RELOAD_MS - Date.now());
  state.reloadTimer = setTimeout(() => { state.reloadTimer = null; state.lastLoad = Date.now(); load(); }, wait);
}

async function claim(inc, button) {
  button.disabled = true;
  try {
    await api(`/api/incidents/${inc.id}/claim`, { method: "POST", body: {} });
    await load();
  } catch (err) {
    button.disabled = false;
    show(document.getElementById("list-error"), `认领失败：${errorText(err)}`);
  }
}

// Whether a live row belongs in the current tab and filters: true / false, or null when only
// the server can tell (region and unit filters need the org chart; a lapsed claim is not on
// the row). The push already holds only what this viewer may see.
function matches(row) {
  const form = document.getElementById("filters").elements;
  const f = Object.fromEntries(FILTERS.map((n) => [n, form[n].value.trim()]));
  const status = row.status;
  if (f.topic && row.topic !== f.topic) return false;
  if (f.severity && row.severity !== f.severity) return false;
  if (f.status && status !== f.status) return false;
  if (state.view === "unclaimed" && status !== "unclaimed") return false;
  if (state.view === "mine" && row.claimed_by !== undefined && row.claimed_by !== state.user.username) return false;
  if (state.view === "escalated" && status === "closed") return false;
  if (f.region || f.unit) return null;
  if (state.view === "escalated") return row.escalation || supervised(row) ? true : null;
  if (state.view === "mine") return row.claimed_by === undefined ? null : true;
  return true;
}

// Pushes update the tab in place when the row says enough; otherwise the list is re-read
// (throttled), so a busy stream does not turn every viewer into a poller.
function applyChanges(msg) {
  let changed = false;
  let unsure = false;
  for (const inc of list(msg.incidents)) {
    if (!inc || inc.id === undefined) continue;
    keep(inc);
    const row = live.get(inc.id);
    const at = state.list.findIndex((i) => i.id === inc.id);
    const fits = matches(row);
    if (fits === null) unsure = true;
    else if (fits && at < 0) { state.list = [row, ...state.list]; changed = true; }
    else if (!fits && at >= 0) { state.list = state.list.filter((i) => i.id !== inc.id); changed = true; }
    else if (at >= 0) changed = true;
  }
  for (const id of list(msg.removed)) {
    live.delete(Number(id));
    const before = state.list.length;
    state.list = state.list.filter((i) => i.id !== Number(id));
    changed = changed || state.list.length !== before;
  }
  if (changed) render(state.list);
  if (unsure) scheduleLoad();
}

function applySnapshot(snap) {
  if (!snap) return;
  live.clear();
  for (const r of list(snap.incidents)) keep(r);
  render(state.list);
}

function selectView(view, push = true) {
  state.view = view;
  for (const tab of document.querySelectorAll("#tabs [data-view]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.view === view));
    tab.classList.toggle("active", tab.dataset.view === view);
  }
  if (push) syncUrl();
  state.loaded = false;
  load();
}

function syncUrl() {
  const q = params();
  q.delete("limit");
  history.replaceState(null, "", `/dashboard?${q}`);
}

async function main() {
  const user = await whoami();
  if (!user) return;
  state.user = user;
  setupHeader(user);
  const oversight = OVERSIGHT.has(user.role);
  document.getElementById("tab-all").hidden = !oversight;
  const q = new URLSearchParams(location.search);
  const form = document.getElementById("filters");
  for (const name of FILTERS) if (q.get(name)) form.elements[name].value = q.get(name);
  const views = ["unclaimed", "mine", "escalated", ...(oversight ? ["all"] : [])];
  const fallback = user.role === "leader" ? "escalated" : oversight ? "all" : "unclaimed";
  document.getElementById("tabs").addEventListener("click", (event) => {
    const tab = event.target.closest("[data-view]");
    if (tab) selectView(tab.dataset.view);
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); syncUrl(); load(); });
  form.addEventListener("reset", () => setTimeout(() => { syncUrl(); load(); }, 0));
  selectView(views.includes(q.get("view")) ? q.get("view") : fallback, false);
  startTicking(rows);
  alerts.refresh();
  new Live({
    onChanges: applyChanges,
    onAlert: (msg) => {
      alerts.pushed(msg);
      if (msg.incident && msg.incident.id !== undefined) applyChanges({ incidents: [msg.incident] });
    },
    onSnapshot: (snap) => { applySnapshot(snap); scheduleLoad(0); alerts.refresh(); },
  }).start();
}

main();
