// The incident page's 各单位职责 panel (issue 15): each unit's duty with its state and clock,
// the steps the viewer may take on it (认领 / 回应 / 确认牵头部门回应), the agreed statement
// (统一口径) and the report to the Party committee. Mounted into #duties-panel; all text is
// inserted as text (el() never parses markup).

import { CHANNELS, api, el, errorText, fmtTime, list, show } from "./common.js";
import { countdownNode, startTicking } from "./countdown.js";

const incidentId = Number(location.pathname.split("/").filter(Boolean)[1]);
const panel = document.getElementById("duties-panel");
const root = document.getElementById("duties-root");
let generation = 0;

function changed(message) {
  show(panel.querySelector("#duty-ok"), message);
  show(panel.querySelector("#duty-error"), "");
  document.dispatchEvent(new CustomEvent("duties:changed")); // the page reloads, then so does this panel
}

async function send(path, body, done, heading) {
  try {
    await api(path, { method: "POST", body });
    changed(done);
  } catch (err) {
    show(panel.querySelector("#duty-ok"), "");
    show(panel.querySelector("#duty-error"), `${heading}失败：${errorText(err)}`);
  }
}

function form(id, fields, submit, onSubmit) {
  const node = el("form", { class: "action-form duty-form", "data-form": id }, ...fields,
    el("button", { type: "submit", class: "primary" }, submit));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = node.querySelector("button[type=submit]");
    button.disabled = true;
    await onSubmit(node.elements);
    button.disabled = false;
  });
  return node;
}

function field(id, label, input) {
  return el("label", { for: id, class: "field" }, el("span", {}, label), input);
}

function respondForm(d) {
  const id = `duty-${d.id}`;
  return form("duty-respond", [
    field(`${id}-channel`, "回应渠道", el("select", { id: `${id}-channel`, name: "channel", required: true },
      ...CHANNELS.map((c) => el("option", { value: c }, c)))),
    field(`${id}-text`, "回应内容", el("textarea", { id: `${id}-text`, name: "text", rows: 3, required: true,
      minlength: 2, maxlength: 10000 })),
  ], "提交本单位回应", (f) => send(`/api/incidents/${incidentId}/duties/${d.id}/respond`,
    { channel: f.channel.value, text: f.text.value.trim() }, `${d.unit}已回应`, "回应"));
}

function reportForm(d, methods) {
  const id = `duty-${d.id}`;
  return form("party-report", [
    field(`${id}-reporter`, "报告人（姓名、职务）", el("input", { id: `${id}-reporter`, name: "reporter", required: true,
      minlength: 2, maxlength: 200 })),
    field(`${id}-method`, "报告方式", el("select", { id: `${id}-method`, name: "method", required: true },
      ...methods.map((m) => el("option", { value: m }, m)))),
    field(`${id}-note`, "说明", el("input", { id: `${id}-note`, name: "note", maxlength: 2000 })),
  ], "登记报告", (f) => send(`/api/incidents/${incidentId}/party-report`,
    { reporter: f.reporter.value.trim(), method: f.method.value, note: f.note.value.trim() || undefined },
    "已登记向同级党委报告", "登记报告"));
}

function outcome(d) {
  if (d.role === "party_report") {
    return `已报告：${d.reporter || ""}，${d.channel || ""}，${fmtTime(d.met_at)}（登记人 ${d.met_by_name || ""}）`;
  }
  const by = d.met_unit && d.met_unit !== d.unit ? `由牵头部门${d.met_unit}代为回应` : `${d.met_by_name || ""}回应`;
  const confirmed = d.confirmed_at ? `；${d.confirmed_by_name}已确认（${fmtTime(d.confirmed_at)}）` : "";
  return `${by}，${fmtTime(d.met_at)}${d.on_time === false ? "（超时）" : ""}${confirmed}`;
}

function dutyNode(d, data) {
  const clock = d.due_at ? { kind: d.clock_kind, due_at: d.due_at, started_at: data.received_at,
    met_at: d.status === "met" ? d.met_at : null } : null;
  const head = el("div", { class: "duty-head" }, el("strong", { "data-role": "unit" }, d.unit), " ",
    el("span", { class: "badge" }, d.role_label), " ",
    el("span", { class: `status ${d.status}`, "data-role": "state" }, d.status_label),
    d.required ? null : el("span", { class: "muted" }, " （不影响事件整体回应）"));
  const rows = [el("dt", {}, "应办"), el("dd", {}, d.owes),
    el("dt", {}, "时限"), el("dd", {}, d.due_at ? fmtTime(d.due_at) : "—", " ", countdownNode(clock))];
  if (d.claimed_by && d.status !== "met") rows.push(el("dt", {}, "认领"), el("dd", {}, `${d.claimed_by_name} ${fmtTime(d.claimed_at)}`));
  if (d.status === "met") rows.push(el("dt", {}, "办理"), el("dd", { "data-role": "outcome" }, outcome(d)));
  if (d.answer) rows.push(el("dt", {}, "回应内容"), el("dd", { class: "item-text" }, `${d.answer.channel || ""}：${d.answer.text}`));
  const node = el("div", { class: "duty", "data-unit": d.unit, "data-role": d.role, "data-state": d.status },
    head, el("dl", { class: "kv" }, ...rows));
  const may = list(d.may);
  if (may.includes("claim")) {
    const b = el("button", { type: "button", class: "primary", "data-step": "claim" }, "认领本单位职责");
    b.addEventListener("click", () => send(`/api/incidents/${incidentId}/duties/${d.id}/claim`, undefined,
      `${d.unit}已认领`, "认领"));
    node.append(b);
  }
  if (may.includes("respond")) node.append(respondForm(d));
  if (may.includes("confirm")) {
    const b = el("button", { type: "button", class: "primary", "data-step": "confirm" }, "确认牵头部门的回应");
    b.addEventListener("click", () => send(`/api/incidents/${incidentId}/duties/${d.id}/confirm`, {},
      `${d.unit}已确认`, "确认"));
    node.append(b);
  }
  if (d.role === "party_report" && d.status !== "met" && data.may_coordinate) node.append(reportForm(d, list(data.report_methods)));
  return node;
}

function statements(data) {
  const items = list(data.statements).map((s) => el("li", { class: "statement" },
    el("div", { class: "item-text" }, s.text), el("span", { class: "muted" }, `${s.actor_name || ""} ${fmtTime(s.at)}`)));
  const out = [el("h3", {}, "统一口径（会商）"),
    items.length ? el("ol", { class: "statements" }, ...items) : el("p", { class: "muted" }, "尚未登记统一口径")];
  if (data.may_coordinate) {
    out.push(form("statement", [field("statement-text", "会商确定的统一口径",
      el("textarea", { id: "statement-text", name: "text", rows: 3, required: true, minlength: 2, maxlength: 10000 }))],
    "登记统一口径", (f) => send(`/api/incidents/${incidentId}/statement`, { text: f.text.value.trim() },
      "已登记统一口径", "登记统一口径")));
  }
  return out;
}

async function load() {
  const mine = ++generation;
  let data;
  try {
    data = await api(`/api/incidents/${incidentId}/duties`);
  } catch (err) {
    if (mine === generation) show(panel.querySelector("#duty-error"), `加载职责失败：${errorText(err)}`);
    return;
  }
  if (mine !== generation) return;
  const duties = list(data.duties);
  panel.hidden = duties.length === 0;
  const several = duties.filter((d) => d.role !== "party_report").length > 1;
  keepDrafts(root, () => root.replaceChildren(...duties.map((d) => dutyNode(d, data)), ...(several ? statements(data) : [])));
}

// A repaint (any live change of the incident) must not wipe what the liaison is typing:
// fields are carried over by id, and so is the focus.
function keepDrafts(node, repaint) {
  const drafts = new Map([...node.querySelectorAll("input[id], textarea[id], select[id]")]
    .map((f) => [f.id, f.value]));
  const focused = node.contains(document.activeElement) ? document.activeElement.id : null;
  repaint();
  for (const [id, value] of drafts) {
    const f = document.getElementById(id);
    if (!f || !node.contains(f) || value === "") continue;
    if (f.tagName === "SELECT" && ![...f.options].some((o) => o.value === value)) continue;
    f.value = value;
  }
  if (focused) document.getElementById(focused)?.focus({ preventScroll: true });
}

if (panel && root && Number.isInteger(incidentId) && incidentId > 0) {
  panel.prepend(el("p", { id: "duty-error", class: "form-error", role: "alert", hidden: true }),
    el("p", { id: "duty-ok", class: "form-ok", role: "status", hidden: true }));
  panel.prepend(el("h2", {}, "各单位职责"));
  document.addEventListener("incident:loaded", () => load());
  load();
  startTicking(root);
}
