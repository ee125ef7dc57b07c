// The work dashboard: tabs 待认领 / 我的 / 升级/督办 / 全部, search and filters, a page of rows
// ordered by the next breach with a countdown per open clock kind, bulk 认领 / 转办, export.
// A page comes from GET /api/board (the server scopes, searches, orders, counts every tab);
// live pushes update the rows shown at once and re-read the page (throttled to once a second)
// when a row may have come in, gone out or moved. Below 600 px the rows are cards (app.css).

import {
  AlertBanner, STATUS_LABEL, api, claimantOf, el, errorText, isMine, list, setupHeader, show, unitsOf, whoami,
} from "./common.js";
import { CLOCK_GROUPS, clocksByGroup, countdownNode, groupOf, nextDue, startTicking } from "./countdown.js";
import { Live } from "./live.js";
import { attachUnitPicker, resolveUnits } from "./unitpicker.js";

const FILTERS = ["q", "region", "unit", "topic", "severity", "status"];
const OVERSIGHT = new Set(["coordinator", "leader", "reviewer", "admin"]);
const PAGE = 50;
const ALWAYS = new Set(["response", "feedback"]); // the other clock columns only when a row has one
const state = {
  user: null, view: "unclaimed", offset: 0, total: 0, known: new Set(), loaded: false,
  reloadTimer: null, loading: null, list: [], selected: new Set(),
};
// rows from the pages and the pushes, newest `as_of` wins
const live = new Map();

const rows = document.getElementById("rows");
const alerts = new AlertBanner(document.getElementById("alerts"));
const filterForm = document.getElementById("filters");

function filterValues() {
  return Object.fromEntries(FILTERS.map((n) => [n, filterForm.elements[n].value.trim()]));
}

function params({ paging = true } = {}) {
  const q = new URLSearchParams({ view: state.view });
  for (const [name, value] of Object.entries(filterValues())) if (value) q.set(name, value);
  if (paging) { q.set("limit", String(PAGE)); q.set("offset", String(state.offset)); }
  return q;
}

// The server decides (service.incidents.rules); the button is offered where it will agree.
function canClaim(inc) {
  if (inc.status !== "unclaimed") return false;
  if (state.user.role === "admin") return true;
  return state.user.role === "liaison" && unitsOf(inc).includes(state.user.unit);
}
const canTransfer = () => ["coordinator", "admin"].includes(state.user.role);
const canBulk = () => ["liaison", "coordinator", "admin"].includes(state.user.role);

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
  const cell = el("td", { class: "acts", "data-label": "操作" });
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

// A response clock absent from the open clocks of an answered incident was met by the response.
function done(inc, group) {
  if (!["responded", "closed"].includes(inc.status)) return false;
  return group === "response" || (group === "feedback" && Boolean(inc.verification_request));
}

// The groups shown as columns on this page: 回应 and 反馈 always, the others when a row has one.
function shownGroups(incidents) {
  const present = new Set(incidents.flatMap((i) => Object.keys(clocksByGroup(i))));
  return CLOCK_GROUPS.filter((g) => ALWAYS.has(g.key) || present.has(g.key));
}

function clockCell(inc, group, byGroup, next) {
  const open = byGroup[group.key] || [];
  const cell = el("td", { class: open.length ? "clocks-cell" : "clocks-cell none", "data-label": group.label, "data-group": group.key });
  if (!open.length) {
    cell.append(countdownNode(null, done(inc, group.key)));
    if (done(inc, group.key)) cell.classList.remove("none");
    return cell;
  }
  // a group of several kinds names each clock (督办单#3反馈, 回应（高平市教育局）)
  const named = !["response", "feedback", "claim"].includes(group.key);
  for (const c of open) {
    cell.append(el("div", { class: c === next ? "clock-chip next" : "clock-chip", title: c.label || group.label },
      named ? el("span", { class: "clock-name" }, c.label || c.kind) : null, countdownNode(c)));
  }
  return cell;
}

function escalationTag(inc) {
  if (!inc.escalation) return null;
  const kind = inc.escalation.kind;
  const clock = kind && inc.clocks && inc.clocks[kind];
  const of = clock ? clock.label : kind ? groupOf(kind).label : "";
  return el("span", { class: `esc-tag esc-${inc.escalation.step}`, "data-kind": kind || null, title: of ? `${inc.escalation.label}：${of}` : inc.escalation.label },
    of ? `${inc.escalation.label}·${of}` : inc.escalation.label);
}

function row(inc, groups) {
  const escalated = Boolean(inc.escalation) || supervised(inc);
  const next = nextDue(inc);
  const tr = el("tr", { "data-incident-id": inc.id, "data-status": inc.status, class: escalated ? "escalated" : "",
    "data-next-kind": next ? next.kind : null });
  if (canBulk()) {
    const box = el("input", { type: "checkbox", class: "pick", "aria-label": `选择事件 #${inc.id}`, checked: state.selected.has(inc.id) });
    box.addEventListener("change", () => { if (box.checked) state.selected.add(inc.id); else state.selected.delete(inc.id); bulkBar(); });
    tr.append(el("td", { class: "pick-cell" }, box));
  }
  const byGroup = clocksByGroup(inc);
  tr.append(
    el("td", { class: "sev", "data-label": "等级" }, severityBadge(inc.severity)),
    el("td", { class: "ev-cell" }, title(inc)),
    el("td", { class: "unit-cell", "data-label": "责任单位" }, list(inc.first_responsible).join("、") || "—"),
    el("td", { class: "status-cell", "data-label": "状态" }, statusBadge(inc.status), escalationTag(inc)),
    el("td", { class: "claimant", "data-label": "认领人" }, claimantOf(inc) || "—"),
    ...groups.map((g) => clockCell(inc, g, byGroup, next)),
    actions(inc));
  if (state.loaded && !state.known.has(inc.id)) tr.classList.add("fresh");
  return tr;
}

function header(groups) {
  const cells = [
    canBulk() ? el("th", { class: "pick-cell" }, pickAll()) : null,
    el("th", {}, "等级"), el("th", {}, "事件"), el("th", {}, "第一责任单位"), el("th", {}, "状态"), el("th", {}, "认领人"),
    ...groups.map((g) => el("th", { "data-group": g.key }, `${g.label}时限`)),
    el("th", {}, "操作"),
  ];
  document.getElementById("head").replaceChildren(...cells.filter(Boolean));
}

function pickAll() {
  const box = el("input", { type: "checkbox", id: "pick-all", "aria-label": "选择本页全部" });
  box.checked = state.list.length > 0 && state.list.every((i) => state.selected.has(i.id));
  box.addEventListener("change", () => {
    for (const inc of state.list) { if (box.checked) state.selected.add(inc.id); else state.selected.delete(inc.id); }
    render(state.list);
  });
  return box;
}

function urgency(inc) {
  if (inc.status === "closed") return Infinity;
  const clock = nextDue(inc);
  return clock ? Date.parse(clock.due_at) : Number.MAX_SAFE_INTEGER;
}

function keep(r) {
  const old = live.get(r.id);
  if (!old || !(old.as_of > r.as_of)) live.set(r.id, r);
}

const merged = (inc) => live.get(inc.id) || inc;

function render(incidents) {
  state.list = incidents;
  // a page read just before a push may still hold a row the push moved out of this tab
  const sorted = incidents.map(merged).filter((i) => matches(i) !== false).sort((a, b) => urgency(a) - urgency(b) || b.id - a.id);
  const groups = shownGroups(sorted);
  header(groups);
  rows.replaceChildren(...sorted.map((i) => row(i, groups)));
  document.getElementById("empty").hidden = sorted.length > 0;
  state.known = new Set(sorted.map((i) => i.id));
  state.loaded = true;
  fillDatalists(sorted);
  pager();
  bulkBar();
}

function pager() {
  const pages = Math.max(1, Math.ceil(state.total / PAGE));
  const at = Math.floor(state.offset / PAGE) + 1;
  document.getElementById("page-info").textContent = `第 ${at} / ${pages} 页 · 共 ${state.total} 件`;
  document.getElementById("prev").disabled = state.offset <= 0;
  document.getElementById("next").disabled = state.offset + PAGE >= state.total;
}

function counts(byView) {
  for (const node of document.querySelectorAll("[data-count]")) {
    const n = byView ? byView[node.dataset.count] : undefined;
    node.textContent = n === undefined ? "" : String(n);
  }
}

function fillDatalists(incidents) {
  const values = { region: new Set(), topic: new Set() };
  for (const inc of incidents) {
    [inc.level_region, ...list(inc.regions)].filter(Boolean).forEach((v) => values.region.add(v));
    if (inc.topic) values.topic.add(inc.topic);
  }
  for (const [name, set] of Object.entries(values)) {
    const node = document.getElementById(`dl-${name}`);
    const have = new Set([...node.options].map((o) => o.value));
    for (const v of set) if (!have.has(v)) node.append(el("option", { value: v }));
  }
}

function exportLinks() {
  const q = params({ paging: false });
  for (const format of ["csv", "xlsx"]) {
    q.set("format", format);
    document.getElementById(`export-${format}`).href = `/api/board/export?${q}`;
  }
}

async function load() {
  if (state.loading) { state.again = true; return state.loading; }
  state.loading = (async () => {
    try {
      const data = await api(`/api/board?${params()}`);
      state.total = data.total;
      if (state.offset > 0 && state.offset >= data.total) { state.offset = 0; state.again = true; }
      for (const r of list(data.incidents)) keep(r);
      counts(data.counts);
      render(list(data.incidents));
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

// Whether a row belongs in the current tab and filters: false when it surely does not (it
// leaves the page at once), else true or null (the server's re-read decides).
function matches(r) {
  const f = filterValues();
  if (f.topic && r.topic !== f.topic) return false;
  if (f.severity && r.severity !== f.severity) return false;
  if (f.status && r.status !== f.status) return false;
  if (state.view === "unclaimed" && r.status !== "unclaimed") return false;
  if (state.view === "mine" && r.claimed_by !== undefined && r.claimed_by !== state.user.username) return false;
  if (state.view === "escalated" && r.status === "closed") return false;
  if (f.region || f.unit || f.q) return null;
  if (state.view === "escalated") return r.escalation || supervised(r) ? true : null;
  return true;
}

// Pushes update the rows shown in place; a row that may have joined, left or moved within the
// tab is placed by a re-read of the page (throttled), which also keeps the totals true.
function applyChanges(msg) {
  let changed = false;
  let reread = false;
  for (const inc of list(msg.incidents)) {
    if (!inc || inc.id === undefined) continue;
    keep(inc);
    const shown = state.list.some((i) => i.id === inc.id);
    const fits = matches(live.get(inc.id));
    if (shown) changed = true;
    if (!shown && fits !== false) reread = true;
    if (shown && fits === false) { state.list = state.list.filter((i) => i.id !== inc.id); reread = true; }
  }
  for (const id of list(msg.removed)) {
    live.delete(Number(id));
    if (state.list.some((i) => i.id === Number(id))) {
      state.list = state.list.filter((i) => i.id !== Number(id));
      changed = true;
    }
    reread = true;
  }
  if (changed) render(state.list);
  if (reread || changed) scheduleLoad();
}

function applySnapshot(snap) {
  if (!snap) return;
  for (const r of list(snap.incidents)) keep(r);
  render(state.list);
}

// ---- bulk 认领 / 转办: each incident checked on its own; the answer says which went through
function bulkBar() {
  const bar = document.getElementById("bulk");
  const n = state.selected.size;
  bar.hidden = n === 0;
  document.getElementById("bulk-count").textContent = `已选 ${n} 件`;
  document.getElementById("bulk-claim").hidden = !["liaison", "admin"].includes(state.user.role);
  document.getElementById("bulk-transfer-open").hidden = !canTransfer();
  if (n === 0) document.getElementById("bulk-transfer").hidden = true;
}

function outcomeText(verb, answer) {
  const failed = list(answer.results).filter((o) => !o.ok);
  const why = failed.map((o) => `#${o.id} ${(o.error && o.error.zh) || "未成功"}`).join("；");
  return `${verb}成功 ${answer.done} 件${failed.length ? `；未成功 ${failed.length} 件：${why}` : ""}`;
}

async function bulk(path, verb, body) {
  const out = document.getElementById("bulk-result");
  show(document.getElementById("list-error"), "");
  try {
    const answer = await api(path, { method: "POST", body: { ids: [...state.selected], ...body } });
    show(out, outcomeText(verb, answer));
    for (const o of list(answer.results)) if (o.ok) state.selected.delete(o.id);
    await load();
    return true;
  } catch (err) {
    show(out, "");
    show(document.getElementById("list-error"), `${verb}失败：${errorText(err)}`);
    return false;
  }
}

function setupBulk() {
  document.getElementById("bulk-clear").addEventListener("click", () => { state.selected.clear(); render(state.list); });
  document.getElementById("bulk-claim").addEventListener("click", (event) => {
    event.target.disabled = true;
    bulk("/api/bulk/claim", "认领", {}).finally(() => { event.target.disabled = false; });
  });
  const form = document.getElementById("bulk-transfer");
  document.getElementById("bulk-transfer-open").addEventListener("click", () => {
    form.hidden = !form.hidden;
    if (!form.hidden) form.elements.units.focus();
  });
  attachUnitPicker(form.elements.units, { multiple: true });
  attachUnitPicker(form.elements.co, { multiple: true });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const [units, co] = await Promise.all([resolveUnits(form.elements.units.value), resolveUnits(form.elements.co.value)]);
    const ok = await bulk("/api/bulk/transfer", "转办", { units, co_units: co.length ? co : undefined, note: form.elements.note.value.trim() });
    button.disabled = false;
    if (ok) { form.reset(); form.hidden = true; }
  });
}

function selectView(view, push = true) {
  state.view = view;
  state.offset = 0;
  state.selected.clear();
  for (const tab of document.querySelectorAll("#tabs [data-view]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.view === view));
    tab.classList.toggle("active", tab.dataset.view === view);
  }
  if (push) syncUrl();
  state.loaded = false;
  load();
}

function syncUrl() {
  const q = params({ paging: false });
  if (state.offset) q.set("offset", String(state.offset));
  history.replaceState(null, "", `/dashboard?${q}`);
  exportLinks();
}

function go(offset) {
  state.offset = Math.max(0, offset);
  syncUrl();
  load();
  window.scrollTo({ top: 0 });
}

async function main() {
  const user = await whoami();
  if (!user) return;
  state.user = user;
  setupHeader(user);
  const oversight = OVERSIGHT.has(user.role);
  document.getElementById("tab-all").hidden = !oversight;
  const q = new URLSearchParams(location.search);
  for (const name of FILTERS) if (q.get(name)) filterForm.elements[name].value = q.get(name);
  attachUnitPicker(filterForm.elements.unit);
  const views = ["unclaimed", "mine", "escalated", ...(oversight ? ["all"] : [])];
  const fallback = user.role === "leader" ? "escalated" : oversight ? "all" : "unclaimed";
  document.getElementById("tabs").addEventListener("click", (event) => {
    const tab = event.target.closest("[data-view]");
    if (tab) selectView(tab.dataset.view);
  });
  filterForm.addEventListener("submit", (event) => { event.preventDefault(); state.offset = 0; syncUrl(); load(); });
  filterForm.addEventListener("reset", () => setTimeout(() => { state.offset = 0; syncUrl(); load(); }, 0));
  const more = document.getElementById("more-filters");  // the phone folds all but the search
  more.addEventListener("click", () => more.setAttribute("aria-expanded", String(filterForm.classList.toggle("open"))));
  if (FILTERS.some((n) => n !== "q" && q.get(n))) filterForm.classList.add("open");
  document.getElementById("prev").addEventListener("click", () => go(state.offset - PAGE));
  document.getElementById("next").addEventListener("click", () => go(state.offset + PAGE));
  setupBulk();
  selectView(views.includes(q.get("view")) ? q.get("view") : fallback, false);
  const offset = Number(q.get("offset"));
  if (Number.isInteger(offset) && offset > 0) go(offset);
  exportLinks();
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
