// 大屏 (wallboard) for the duty room: open incidents by severity, the escalation ladder, the
// most urgent countdowns and today's on-time response rate. The open incidents are the
// snapshot (GET /api/dashboard/snapshot) kept current by live pushes.

import { SEVERITIES, ZONE, api, el, errorText, list, setupHeader, show, whoami } from "./common.js";
import { countdownNode, nextDue, startTicking } from "./countdown.js";
import { Live } from "./live.js";

const URGENT = 12;
const LADDER = [["warn", "提醒"], ["urge", "催办"], ["supervise", "督办"]];
const incidents = new Map(); // id → row, newest `as_of` wins

function keep(row) {
  const old = incidents.get(row.id);
  if (old && old.as_of > row.as_of) return;
  if (row.status === "closed") incidents.delete(row.id);
  else incidents.set(row.id, row);
}

function big(cls, n, label) {
  return el("div", { class: `big ${cls}`, "data-key": label }, el("span", { class: "n" }, String(n)), el("span", { class: "l" }, label));
}

function render() {
  const open = [...incidents.values()];
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const row of open) bySeverity[row.severity] = (bySeverity[row.severity] || 0) + 1;
  document.getElementById("severity-counts").replaceChildren(
    big("s1", bySeverity["特别重大"], "特别重大"), big("s2", bySeverity["重大"], "重大"),
    big("s3", bySeverity["一般"], "一般"), big("total", open.length, "合计"));

  const urgent = open.map((row) => ({ row, clock: nextDue(row) })).filter((x) => x.clock)
    .sort((a, b) => Date.parse(a.clock.due_at) - Date.parse(b.clock.due_at)).slice(0, URGENT);
  const node = document.getElementById("urgent");
  node.replaceChildren(...urgent.map(({ row, clock }) => el("li", { "data-incident-id": row.id },
    el("span", { class: `badge ${{ 特别重大: "s1", 重大: "s2" }[row.severity] || "s3"}` }, row.severity),
    el("span", { class: "what" }, `#${row.id} ${row.topic} `, el("span", { class: "unit" }, list(row.first_responsible).join("、")),
      row.summary ? el("span", { class: "sum" }, row.summary) : null),
    el("span", { class: "muted" }, clock.label || clock.kind),
    countdownNode(clock))));
  if (!urgent.length) node.replaceChildren(el("li", { class: "muted" }, "暂无未办结事件"));
}

// Today's on-time rate and the ladder come from the server: they need clocks met today and
// every rung fired, which the live rows do not carry.
async function figures() {
  const root = document.getElementById("ontime");
  try {
    const { on_time: s, ladder } = await api("/api/dashboard/wall");
    const pct = s.rate === null || s.rate === undefined ? "—" : `${Math.round(s.rate * 1000) / 10}%`;
    root.replaceChildren(el("div", { class: `pct${s.rate !== null && s.rate < 0.8 ? " low" : ""}`, id: "ontime-rate" }, pct),
      el("div", { class: "sub" }, `今日应回应 ${s.total} 件，按时 ${s.on_time} 件，超时 ${s.late} 件`));
    document.getElementById("ladder").replaceChildren(...LADDER.map(([k, label]) => big(k, ladder[k] || 0, label)));
  } catch (err) {
    root.replaceChildren(el("div", { class: "sub" }, errorText(err)));
  }
}

let figuresTimer = null;
function scheduleFigures() { // at most every 2 s however busy the stream
  if (!figuresTimer) figuresTimer = setTimeout(() => { figuresTimer = null; figures(); }, 2000);
}

function tickClock() {
  const now = new Intl.DateTimeFormat("zh-CN", { timeZone: ZONE, month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(new Date());
  document.getElementById("wall-clock").textContent = now;
}

let renderTimer = null;
function scheduleRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => { renderTimer = null; render(); }, 200);
}

async function main() {
  const user = await whoami();
  if (!user) return;
  setupHeader(user);
  document.getElementById("wall-scope").textContent = user.region || user.unit || "";
  tickClock();
  setInterval(tickClock, 1000);
  document.getElementById("fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
  startTicking(document.getElementById("urgent"));
  render();
  figures();
  setInterval(figures, 60000);
  new Live({
    onChanges: (msg) => {
      for (const row of list(msg.incidents)) if (row && row.id !== undefined) keep(row);
      for (const id of list(msg.removed)) incidents.delete(Number(id));
      scheduleRender();
      scheduleFigures();
    },
    onSnapshot: (snap, err) => {
      if (!snap) { show(document.getElementById("wall-error"), `加载失败：${errorText(err)}`); return; }
      show(document.getElementById("wall-error"), "");
      incidents.clear();
      for (const row of list(snap.incidents)) keep(row);
      render();
      figures();
    },
  }).start();
}

main();
