// The 提醒 page: the whole inbox (one row per incident, each clock listed), bulk 确认 of the
// selected rows or of all, the history (acknowledged, met, closed), and the switches for the
// browser notification and the tone of new 待认领 incidents.

import { api, el, errorText, fmtTime, setupHeader, show, whoami } from "./common.js";
import { Inbox, acknowledge, incidentLink, rungTag, setSound, setUnread, soundOn } from "./inbox.js";
import { Live } from "./live.js";

const state = { rows: [] };
const listNode = document.getElementById("inbox-list");

function clockList(row) {
  return el("div", { class: "inbox-clocklist" }, ...row.entries.filter((e) => e.kind !== "major").map((e) =>
    el("span", { "data-clock": e.clock }, `${e.clock_label || e.clock}：${e.label}（到期 ${fmtTime(e.due_at)}）`)));
}

function item(row) {
  const box = el("input", { type: "checkbox", class: "pick", "aria-label": `选择事件 #${row.incident_id}` });
  box.disabled = !row.unread;
  box.addEventListener("change", syncButtons);
  box.dataset.ids = row.ids.join(",");
  return el("li", { class: `inbox-item${row.unread ? " unread" : ""}`, "data-incident-id": row.incident_id },
    box,
    el("div", { class: "inbox-main" },
      el("div", {}, rungTag(row), " ", incidentLink(row), " ",
        el("span", { class: "muted small" }, [row.severity, row.clocks && `${row.clocks}时限`, `${row.rungs} 次提醒`].filter(Boolean).join(" · "))),
      row.message ? el("div", { class: "small" }, row.message) : null,
      clockList(row)),
    el("span", { class: "muted small" }, row.unread ? "未读" : "已确认"));
}

function picked() {
  return [...listNode.querySelectorAll("input.pick:checked")].flatMap((b) => b.dataset.ids.split(",").map(Number));
}

function syncButtons() {
  document.getElementById("ack-selected").disabled = picked().length === 0;
}

async function loadInbox() {
  try {
    const data = await api("/api/alerts/inbox?limit=1000");
    state.rows = data.rows;
    listNode.replaceChildren(...data.rows.map(item));
    document.getElementById("inbox-empty").hidden = data.rows.length > 0;
    document.getElementById("inbox-status").textContent = `共 ${data.total} 个事件，未读 ${data.unread} 个`;
    setUnread(data.unread);
    document.getElementById("select-all").checked = false;
    syncButtons();
    show(document.getElementById("inbox-error"), "");
  } catch (err) {
    show(document.getElementById("inbox-error"), `加载失败：${errorText(err)}`);
  }
}

const RESOLVED_CELL = (e) => e.resolved ? `${e.resolved}${e.resolved_at ? `（${fmtTime(e.resolved_at)}）` : ""}` : "进行中";

async function loadHistory() {
  try {
    const rows = await api("/api/alerts/inbox/history?limit=200");
    document.getElementById("history-rows").replaceChildren(...rows.map((e) => el("tr", { "data-incident-id": e.incident_id },
      el("td", {}, incidentLink(e)),
      el("td", {}, e.clock_label || e.clock),
      el("td", {}, rungTag(e)),
      el("td", {}, `${e.rungs} 次`),
      el("td", {}, e.acknowledged_at ? `${e.acknowledged_by_name || e.acknowledged_by || ""} ${fmtTime(e.acknowledged_at)}` : "未确认"),
      el("td", {}, RESOLVED_CELL(e)),
      el("td", {}, fmtTime(e.updated_at)))));
    document.getElementById("history-empty").hidden = rows.length > 0;
  } catch (err) {
    show(document.getElementById("inbox-error"), `历史加载失败：${errorText(err)}`);
  }
}

async function ack(button, body) {
  button.disabled = true;
  try {
    const done = await acknowledge(body);
    // its own line: the counts below are repainted by every refresh (a live push among them)
    show(document.getElementById("inbox-ok"), `已确认 ${done.acknowledged} 条`);
    await Promise.all([loadInbox(), loadHistory()]);
  } catch (err) {
    show(document.getElementById("inbox-ok"), "");
    show(document.getElementById("inbox-error"), `确认失败：${errorText(err)}`);
  } finally {
    button.disabled = false;
    syncButtons();
  }
}

function setupNotices() {
  const permission = document.getElementById("notify-permission");
  const label = () => {
    if (!("Notification" in window)) { permission.textContent = "浏览器不支持桌面通知"; permission.disabled = true; return; }
    const p = Notification.permission;
    permission.textContent = p === "granted" ? "桌面通知已开启" : p === "denied" ? "桌面通知已被浏览器禁止" : "开启桌面通知";
    permission.disabled = p !== "default";
  };
  label();
  permission.addEventListener("click", async () => {
    try { await Notification.requestPermission(); } catch { /* old browsers: callback form ignored */ }
    label();
  });
  const sound = document.getElementById("sound");
  sound.checked = soundOn();
  sound.addEventListener("change", () => setSound(sound.checked));
}

async function main() {
  const user = await whoami();
  if (!user) return;
  setupHeader(user);
  setupNotices();
  const inbox = new Inbox(null, { band: false }); // the header's count and the 待认领 notices
  document.getElementById("select-all").addEventListener("change", (e) => {
    for (const b of listNode.querySelectorAll("input.pick:not(:disabled)")) b.checked = e.target.checked;
    syncButtons();
  });
  document.getElementById("ack-selected").addEventListener("click", (e) => ack(e.target, { ids: picked() }));
  document.getElementById("ack-all").addEventListener("click", (e) => ack(e.target, { all: true }));
  await Promise.all([loadInbox(), loadHistory()]);
  let timer = null;
  const again = () => { if (!timer) timer = setTimeout(() => { timer = null; loadInbox(); loadHistory(); }, 500); };
  new Live({
    onChanges: (msg) => {
      const shown = new Set(state.rows.map((r) => r.incident_id));
      if ((msg.incidents || []).some((i) => i && shown.has(i.id)) || (msg.removed || []).length) again();
    },
    onAlert: () => { again(); inbox.pushed(); },
    onSnapshot: () => again(),
  }).start();
}

main();
