// One incident: summary, clocks with countdowns, routing reasons, the timeline (items, audit
// events, responses, escalations) and the forms of the workflow the viewer may use.

import {
  AlertBanner, CHANNELS, SEVERITIES, STATUS_LABEL, api, claimantOf, el, errorText, fmtTime, list, safeLink,
  setupHeader, show, sourceLabel, whoami,
} from "./common.js";
import { clocksOf, countdownNode, startTicking } from "./countdown.js";
import { DUTY_DETAIL_LABEL, DUTY_HIDDEN_DETAIL, dutiesText } from "./duty_labels.js";
import { Live } from "./live.js";
import { actionBar } from "./actionbar.js";
import { attachUnitPicker, resolveUnits } from "./unitpicker.js";
import { dateField, dateValue } from "./datefield.js";

const incidentId = Number(location.pathname.split("/").filter(Boolean)[1]);
const state = { user: null, data: null, names: {} };
const personName = (username) => state.names[username] || username || "";

const ACTION_LABEL = {
  "incident.created": "立案分办", "incident.item_added": "合并新信息", "incident.item_merged": "合并新信息", "incident.item_split": "拆分信息",
  "incident.claimed": "认领", "incident.responded": "回应", "incident.followed_up": "跟进发布",
  "incident.follow_up": "跟进发布", "incident.closed": "办结", "incident.returned": "退回",
  "incident.arbitrated": "审定退回", "incident.transferred": "转办", "incident.lead": "指定牵头",
  "incident.lead_designated": "指定牵头", "incident.merged": "合并事件", "incident.merged_into": "被合并", "incident.regraded": "改判",
  "incident.severity_changed": "调整等级", "incident.topic_changed": "调整主题", "incident.unclaimed": "认领超时退回",
  "incident.claim_expired": "认领超时退回", "escalation.warn_50": "提醒", "escalation.warn_80": "提醒",
  "escalation.urge": "催办", "escalation.supervise": "督办", "alert.acknowledged": "确认升级提醒",
  "incident.reviewed": "回应评估", "incident.supervised": "下发督办单", "incident.supervision_answered": "督办单反馈",
  "incident.supervision_signed": "签收督办单", "incident.attachment_added": "上传附件",
  "incident.duty_claimed": "认领本单位职责", "incident.duty_responded": "本单位回应", "incident.duty_confirmed": "确认牵头部门回应", "incident.statement_recorded": "登记统一口径", "incident.party_reported": "向同级党委报告",
  "incident.duty_claim_expired": "本单位职责认领超时", "incident.duties_backfilled": "补写各单位职责",
};
const DETAIL_LABEL = {
  grounds: "理由", reason: "理由", why: "理由", note: "说明", channel: "渠道", text: "内容", link: "链接",
  kind: "类别", units: "改派单位", unit: "单位", lead: "牵头单位", accept: "审定结果", other_incident_id: "并入事件",
  merged_into: "并入事件", topic: "主题", severity: "等级", before: "调整前", after: "调整后", label: "环节",
  recipients: "通知对象", due_at: "应办时间", clock: "时限", first_responsible: "第一责任单位",
  co_responsible: "配合单位", from: "原", to: "新", returned_by: "退回人", returned_unit: "退回单位",
  absorbed: "并入事件", survivor: "并入到事件", item_ids: "信息编号", clocks_met: "完成时限", claimed_by: "原认领人",
  received_at: "收到时间", actor: "操作人", explanation: "合并依据", score: "相似度", step: "环节",
  notice_id: "督办单", requirement: "督办要求", answer: "反馈内容", late: "超期反馈", review_id: "评估编号",
  timeliness: "反应迅速", accuracy: "回应准确", authority: "发声权威", handling: "处置得当", comments: "评估意见",
  accountability: "问责", accountability_ground: "问责事由", accountability_note: "问责理由",
  doc_no: "文号", claimed: "同时认领", attachment_ids: "附件编号", owner: "附件所属", owner_id: "所属编号", names: "文件名", sha256: "SHA-256",
  claimed_at: "认领时间", claimed_unit: "认领单位", alert_id: "提醒编号", audience: "接收对象", region: "地区",
  new_incident_id: "新事件", key: "编号", error: "错误", changed: "变更", target: "地址", role: "角色", username: "账号",
  ...DUTY_DETAIL_LABEL,
};
// the same key means something else in one action's detail
const ACTION_DETAIL_LABEL = {
  "incident.reviewed": { score: "综合得分" },
  "incident.supervised": { units: "被督办单位", due_at: "办理时限" },
};
const HIDDEN_DETAIL = new Set(["reasons", "signature", ...DUTY_HIDDEN_DETAIL]);
const FOLLOW_KIND = { info: "跟进发布权威信息", result: "发布调查结果" };

const CLOCK_LABEL = { response: "回应", feedback: "核实处置反馈", followup_info: "跟进发布权威信息",
  followup_result: "发布调查结果", emergency_info: "发布权威信息（突发事件）", press_conference: "召开新闻发布会" };

// a clock's name: the policy's kinds by label, a unit's duty or a 督办单 (duty:N, supervision:N) by its own label
function clockName(kind) {
  const own = (state.data?.clocks || []).find((c) => c.kind === kind);
  return CLOCK_LABEL[kind] || own?.label || (String(kind).startsWith("duty:") ? "单位职责" : "其他时限");
}

function detailValue(key, value) {
  if (key === "clocks_met" || key === "clock") return list(value).map(clockName).join("、");
  if (key === "link" && value) return safeLink(value);
  if (key === "accept") return value ? "同意退回，改派" : "不同意退回";
  if (key === "notice_id") return `#${value}`;
  if (key === "duties") return dutiesText(value);
  if (typeof value === "boolean") return value ? "是" : "否";
  if (key === "kind" && FOLLOW_KIND[value]) return FOLLOW_KIND[value];
  if (key.endsWith("_at") && typeof value === "string") return fmtTime(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join("、");
  if (value && typeof value === "object") {
    // e.g. before/after of a re-routing: 第一责任单位：…；配合单位：…
    return Object.entries(value).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && !v.length))
      .map(([k, v]) => `${DETAIL_LABEL[k] || k}：${Array.isArray(v) ? v.join("、") : typeof v === "object" ? JSON.stringify(v) : v}`)
      .join("；") || "—";
  }
  return String(value);
}

function details(detail, action) {
  const labels = { ...DETAIL_LABEL, ...(ACTION_DETAIL_LABEL[action] || {}) };
  const dl = el("dl", { class: "kv" });
  for (const [key, value] of Object.entries(detail || {})) {
    if (HIDDEN_DETAIL.has(key) || value === null || value === undefined || value === "") continue;
    dl.append(el("dt", {}, labels[key] || "其他"), el("dd", {}, detailValue(key, value)));  // no English keys
  }
  return dl.childElementCount ? dl : null;
}

function summary(data) {
  const inc = data.incident;
  const returned = data.returned || list(data.returns).slice(-1)[0] || null;
  const returnedBy = returned && [personName(returned.by), returned.unit].filter(Boolean).join("，");
  const grounds = returned && returned.grounds;
  const node = document.getElementById("summary");
  node.replaceChildren(
    el("div", { class: "summary-head" },
      el("span", { class: `badge ${{ 特别重大: "s1", 重大: "s2" }[inc.severity] || "s3"}` }, inc.severity),
      el("h1", {}, `#${inc.id} ${inc.topic}`),
      el("span", { class: `status st-${inc.status}`, id: "incident-status", "data-status": inc.status },
        STATUS_LABEL[inc.status] || inc.status)),
    el("dl", { class: "kv wide" },
      el("dt", {}, "第一责任单位"), el("dd", {}, list(inc.first_responsible).join("、") || "—"),
      el("dt", {}, "配合单位"), el("dd", {}, list(inc.co_responsible).join("、") || "—"),
      el("dt", {}, "牵头单位"), el("dd", {}, inc.lead || "—"),
      el("dt", {}, "组织协调"), el("dd", {}, list(inc.coordinators).join("、") || "—"),
      el("dt", {}, "涉及区域"), el("dd", {}, list(inc.regions).join("、") || inc.level_region || "—"),
      el("dt", {}, "认领人"), el("dd", { id: "claimant" }, claimantOf(inc) || "—"),
      el("dt", {}, "收到时间"), el("dd", {}, fmtTime(inc.received_at))),
    ...(inc.merged_into ? [el("p", { class: "returned-note", id: "merged-note" }, "已并入 ",
      el("a", { href: `/incidents/${Number(inc.merged_into)}` }, `事件 #${inc.merged_into}`))] : []),
    ...(returnedBy ? [el("p", { class: "returned-note", id: "returned-note" },
      `曾被退回：${returnedBy}`, grounds ? `（理由：${grounds}）` : "")] : []));
}

function clocks(data) {
  const byClock = new Map();
  for (const e of list(data.escalations)) {
    if (!byClock.has(e.clock_id)) byClock.set(e.clock_id, []);
    byClock.get(e.clock_id).push(e);
  }
  const all = Array.isArray(data.clocks) && data.clocks.length ? data.clocks : clocksOf(data.incident);
  const root = document.getElementById("clocks");
  root.replaceChildren(...all.map((c) => el("div", { class: "clock", "data-kind": c.kind },
    el("span", { class: "clock-label" }, c.label || c.kind),
    el("span", { class: "muted small" }, `应于 ${fmtTime(c.due_at)}`),
    countdownNode(c),
    el("span", { class: "esc-list" }, ...(byClock.get(c.id) || []).map((e) => el("span", { class: `esc-tag esc-${e.step}` }, e.label))))));
  if (!all.length) root.replaceChildren(el("p", { class: "muted" }, "无时限"));
}

function reasons(inc) {
  document.getElementById("reasons").replaceChildren(...list(inc.reasons).map((r) => el("li", {}, r)));
}

// 撤销合并: a coordinator moves one item of a merged incident out into a new incident.
function splitButton(item) {
  const button = el("button", { type: "button", class: "ghost small split", "data-item-id": item.id }, "拆分为新事件");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const r = await api(`/api/incidents/${incidentId}/items/${item.id}/split`, { method: "POST", body: {} });
      show(document.getElementById("action-ok"), `已拆分为事件 #${r.incident_id}`);
      await load();
    } catch (err) {
      button.disabled = false;
      show(document.getElementById("action-error"), `拆分失败：${errorText(err)}`);
    }
  });
  return button;
}

function timeline(data) {
  const entries = [];
  const splittable = list(data.items).length > 1 && allowed(data, state.user).includes("topic");
  for (const item of list(data.items)) {
    entries.push({ at: item.received_at, node: el("li", { class: "tl item", "data-item-id": item.id },
      el("div", { class: "tl-head" }, el("span", { class: "tl-kind" }, "收到信息"), " ",
        el("span", { class: "muted" }, `${sourceLabel(item.source)} ${item.external_id || ""}`), " ",
        el("time", {}, fmtTime(item.received_at))),
      item.title ? el("div", { class: "item-title" }, item.title) : null,
      el("div", { class: "item-text" }, item.text),
      item.merge_explanation ? el("div", { class: "muted small" }, `合并依据：${item.merge_explanation}`) : null,
      splittable ? splitButton(item) : null) });
  }
  for (const a of list(data.audit)) {
    const label = ACTION_LABEL[a.action] || (a.action.startsWith("escalation.") ? "升级" : a.action);
    entries.push({ at: a.at, node: el("li", { class: `tl audit act-${a.action.replace(/[^a-z_]/g, "-")}`, "data-action": a.action },
      el("div", { class: "tl-head" }, el("span", { class: "tl-kind" }, label), " ",
        el("span", { class: "actor" }, a.actor_name || a.actor || "系统"), " ", el("time", {}, fmtTime(a.at))),
      details(a.detail, a.action)) });
  }
  // responses are in the audit log too (with channel, text, link); list them only if not
  const audited = list(data.audit).some((a) => a.action === "incident.responded" || a.action === "incident.followed_up");
  for (const r of audited ? [] : list(data.responses)) {
    entries.push({ at: r.at || r.created_at, node: el("li", { class: "tl response" },
      el("div", { class: "tl-head" }, el("span", { class: "tl-kind" }, FOLLOW_KIND[r.kind] || "回应"), " ",
        el("span", {}, r.channel || ""), " ", el("span", { class: "actor" }, r.actor_name || r.actor || r.by || ""), " ",
        el("time", {}, fmtTime(r.at || r.created_at))),
      el("div", { class: "item-text" }, r.text || ""), r.link ? safeLink(r.link) : null) });
  }
  entries.sort((x, y) => Date.parse(y.at) - Date.parse(x.at)); // newest first
  document.getElementById("timeline").replaceChildren(...entries.map((e) => e.node));
}

// ---- workflow forms ---------------------------------------------------------------

function field(spec) {
  const id = `f-${spec.form}-${spec.name}`;
  let input;
  if (spec.type === "select") {
    input = el("select", { id, name: spec.name, required: spec.required },
      ...spec.options.map(([value, text]) => el("option", { value, selected: value === spec.value }, text)));
  } else if (spec.type === "textarea") {
    input = el("textarea", { id, name: spec.name, rows: 3, required: spec.required, maxlength: 5000, placeholder: spec.placeholder });
  } else {
    input = el("input", { id, name: spec.name, type: spec.type || "text", required: spec.required, placeholder: spec.placeholder,
      value: spec.value, maxlength: spec.type === "number" ? undefined : 2000 });
  }
  const label = el("label", { for: id, class: "field" }, el("span", {}, spec.label), input);
  if (spec.picker) attachUnitPicker(input, { multiple: spec.picker === "multiple" });
  return label;
}

function form(name, heading, fields, submit, body, { danger = false } = {}) {
  const node = el("form", { class: "action-form", id: name, "data-form": name },
    el("h3", {}, heading), ...fields.map((f) => field({ ...f, form: name })),
    el("button", { type: "submit", class: danger ? "danger" : "primary" }, submit));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = node.querySelector("button[type=submit]");
    button.disabled = true;
    await act(name, heading, await body(node.elements));
    button.disabled = false;
  });
  return node;
}

const optional = (value) => (value && value.trim() ? value.trim() : undefined);

const FORMS = {
  claim: () => form("claim", "认领", [], "认领", () => ({ path: "claim", body: {} })),
  respond: () => form("respond", state.data.incident.status === "responded" ? "补充回应" : "回应", [
    { name: "channel", label: "回应渠道", type: "select", required: true, options: CHANNELS.map((c) => [c, c]) },
    { name: "text", label: "回应内容", type: "textarea", required: true },
    { name: "link", label: "链接", type: "url", placeholder: "https://" },
  ], "提交回应", (f) => ({ path: "respond", body: { channel: f.channel.value, text: f.text.value.trim(), link: optional(f.link.value) } })),
  "follow-up": () => form("follow-up", "跟进发布", [
    { name: "kind", label: "类别", type: "select", required: true, options: [["info", "权威信息"], ["result", "调查结果"]] },
    { name: "text", label: "内容", type: "textarea", required: true },
    { name: "link", label: "链接", type: "url", placeholder: "https://" },
  ], "提交跟进", (f) => ({ path: "follow-up", body: { kind: f.kind.value, text: f.text.value.trim(), link: optional(f.link.value) } })),
  // 办结 ends every clock and alert of the incident: a note for the record, and a deliberate tick
  close: () => form("close", "办结", [
    { name: "note", label: "办结说明", type: "textarea", required: true, placeholder: "回应与处置情况、依据" },
    { name: "confirm", label: "确认回应、跟进均已完成，办结后不再提醒", type: "checkbox", required: true },
  ], "确认办结", (f) => ({ path: "close", body: { note: f.note.value.trim() } }), { danger: true }),
  return: () => form("return", "退回（非本单位职责）", [
    { name: "grounds", label: "退回理由", type: "textarea", required: true },
  ], "退回", (f) => ({ path: "return", body: { grounds: f.grounds.value.trim() } }), { danger: true }),
  arbitrate: () => form("arbitrate", "审定退回", [
    { name: "accept", label: "审定", type: "select", options: [["true", "同意退回，改派"], ["false", "不同意退回，原单位继续办理"]] },
    { name: "units", label: "改派单位（多个用、分隔）", placeholder: "输入单位名称、简称或别名", picker: "multiple" },
    { name: "note", label: "审定意见", type: "textarea", required: true },
  ], "审定", async (f) => {
    const accept = f.accept.value === "true";
    const chosen = accept ? await resolveUnits(f.units.value) : [];
    return { path: "arbitrate", body: { accept, units: chosen.length ? chosen : undefined, note: f.note.value.trim() } };
  }),
  transfer: () => form("transfer", "转办", [
    { name: "units", label: "转办单位（第一责任，多个用、分隔）", required: true, placeholder: "输入单位名称、简称或别名", picker: "multiple" },
    { name: "co", label: "配合单位（可空，多个用、分隔）", placeholder: "不填则保留原配合单位", picker: "multiple" },
    { name: "note", label: "说明", type: "textarea", required: true },
  ], "转办", async (f) => {
    const [first, co] = await Promise.all([resolveUnits(f.units.value), resolveUnits(f.co.value)]);
    return { path: "transfer", body: { units: first, co_units: co.length ? co : undefined, note: f.note.value.trim() } };
  }),
  lead: () => form("lead", "指定牵头", [{ name: "unit", label: "牵头单位", required: true, placeholder: "输入单位名称、简称或别名", picker: "single" }],
    "指定", async (f) => ({ path: "lead", body: { unit: (await resolveUnits(f.unit.value))[0] || f.unit.value.trim() } })),
  merge: () => form("merge", "合并事件", [{ name: "other", label: "并入的事件编号", type: "number", required: true }],
    "合并", (f) => ({ path: "merge", body: { other_incident_id: Number(f.other.value) } })),
  topic: () => form("topic", "调整主题", [
    { name: "topic", label: "主题", required: true, value: state.data.incident.topic },
    { name: "reason", label: "理由", required: true },
  ], "调整", (f) => ({ path: "topic", body: { topic: f.topic.value.trim(), reason: f.reason.value.trim() } })),
  severity: () => form("severity", "调整等级", [
    { name: "severity", label: "等级", type: "select", options: SEVERITIES.map((s) => [s, s]), value: state.data.incident.severity },
    { name: "reason", label: "理由", required: true },
  ], "调整", (f) => ({ path: "severity", body: { severity: f.severity.value, reason: f.reason.value.trim() } })),
};

// The server may say which actions the viewer has; otherwise guess from role and status
// (the server refuses what is not allowed either way).
function allowed(data, user) {
  if (Array.isArray(data.actions)) {
    // the server's transitions (service.workflow.states.Transition) to this page's forms
    return data.actions.flatMap((t) => ({ follow_up: ["follow-up"], regrade: ["topic", "severity"] }[t] || [t]));
  }
  const s = data.incident.status;
  const out = [];
  if (["liaison", "admin"].includes(user.role)) {
    if (s === "unclaimed") out.push("claim");
    if (s === "claimed") out.push("respond");
    if (s === "responded") out.push("follow-up", "close");
    if (["unclaimed", "claimed"].includes(s)) out.push("return");
  }
  if (["coordinator", "admin"].includes(user.role)) {
    if (s === "returned") out.push("arbitrate");
    if (s !== "closed") out.push("transfer", "lead", "merge", "topic", "severity");
  }
  return out;
}

// Forms are rebuilt only when the set of steps changes (or after a step was taken): a push
// reloading the page must not wipe what the officer is typing or has chosen.
function renderActions(data) {
  const names = allowed(data, state.user).filter((n) => FORMS[n]);
  const root = document.getElementById("actions");
  if (!state.formsStale && root.dataset.forms === names.join(",")) return;
  state.formsStale = false;
  root.dataset.forms = names.join(",");
  root.replaceChildren(...names.map((n) => FORMS[n]()));
  document.getElementById("no-actions").hidden = names.length > 0;
  actionBar(names);
}

async function act(name, heading, { path, body }) {
  const error = document.getElementById("action-error");
  const ok = document.getElementById("action-ok");
  show(error, "");
  show(ok, "");
  try {
    await api(`/api/incidents/${incidentId}/${path}`, { method: "POST", body });
    show(ok, `${heading}：已提交`);
    state.formsStale = true; // whichever read paints next rebuilds the forms, emptied
    await load();
  } catch (err) {
    show(error, `${heading}失败：${errorText(err)}`);
  }
}

// ---- 督办单 and 回应评估 panels ------------------------------------------------------
// Their forms are rebuilt only when what may be done changes, like the workflow forms.

const ACCOUNTABILITY_GROUNDS = ["处置不得力", "回应不妥当", "报告不及时"];
const NOTICE_STATE_CLASS = { open: "st-claimed", overdue: "st-returned", answered: "st-responded" };

function keyed(root, key, build) {
  if (!state.panelsStale && root.dataset.key === key) return;
  root.dataset.key = key;
  root.replaceChildren(...build());
}

async function panelAct(kind, heading, path, body) {
  const error = document.getElementById(`${kind}-error`);
  const ok = document.getElementById(`${kind}-ok`);
  show(error, "");
  show(ok, "");
  try {
    await api(path, { method: "POST", body });
    show(ok, `${heading}：已提交`);
    state.panelsStale = true;
    await load();
  } catch (err) {
    show(error, `${heading}失败：${errorText(err)}`);
  }
}

function panelForm(id, heading, fields, submit, send) {
  const node = el("form", { class: "action-form", id, "data-form": id }, el("h3", {}, heading), ...fields,
    el("button", { type: "submit", class: "primary" }, submit));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = node.querySelector("button[type=submit]");
    button.disabled = true;
    await send(node.elements);
    button.disabled = false;
  });
  return node;
}

function noticeNode(n) {
  const clock = { kind: "supervision", due_at: n.due_at, started_at: n.issued_at, met_at: n.answered_at };
  return el("div", { class: "notice", "data-notice-id": n.id, "data-state": n.state },
    el("div", { class: "notice-head" }, el("strong", {}, `督办单 #${n.id}`), " ",
      el("span", { class: `status ${NOTICE_STATE_CLASS[n.state] || ""}`, "data-role": "state" }, n.state_label || n.state),
      ...list(n.escalations).map((label) => el("span", { class: "esc-tag" }, label))),
    el("div", { class: "item-text" }, n.requirement),
    el("dl", { class: "kv" },
      el("dt", {}, "被督办单位"), el("dd", {}, list(n.units).join("、")),
      el("dt", {}, "办理时限"), el("dd", {}, fmtTime(n.due_at), " ", countdownNode(clock)),
      el("dt", {}, "下发"), el("dd", {}, `${n.issued_by}${n.issued_unit ? `（${n.issued_unit}）` : ""} ${fmtTime(n.issued_at)}`),
      ...(n.answered_at ? [el("dt", {}, "办理情况"), el("dd", { class: "notice-answer" }, n.answer || ""),
        el("dt", {}, "反馈"), el("dd", {}, `${personName(n.answered_by)}${n.answered_unit ? `（${n.answered_unit}）` : ""} ${fmtTime(n.answered_at)}`)] : [])));
}

function answerForm(n) {
  const id = `answer-${n.id}`;
  return panelForm(id, `反馈督办单 #${n.id}`, [
    el("label", { for: `f-${id}-answer`, class: "field" }, el("span", {}, "办理情况"),
      el("textarea", { id: `f-${id}-answer`, name: "answer", rows: 3, required: true, minlength: 4, maxlength: 10000 })),
  ], "提交反馈", (f) => panelAct("supervision", `反馈督办单 #${n.id}`, `/api/supervision/${Number(n.id)}/answer`,
    { answer: f.answer.value.trim() }));
}

// the date field gives wall time without a zone (2026-12-01T09:30): the browser's zone is the officer's
function localToIso(value) {
  const d = new Date(value);
  return value && !Number.isNaN(d.getTime()) ? d.toISOString() : value;
}

function issueForm(data) {
  const node = panelForm("supervise", "下发督办单", [
    el("label", { for: "f-supervise-requirement", class: "field" }, el("span", {}, "督办要求"),
      el("textarea", { id: "f-supervise-requirement", name: "requirement", rows: 3, required: true, minlength: 4, maxlength: 5000 })),
    el("label", { for: "f-supervise-due", class: "field" }, el("span", {}, "办理时限"),
      dateField(el("input", { id: "f-supervise-due", name: "due", required: true }), "datetime")),
    el("label", { for: "f-supervise-units", class: "field" }, el("span", {}, "被督办单位（须为承办该事件的单位，多个用、分隔；缺省为第一责任单位）"),
      el("input", { id: "f-supervise-units", name: "units", placeholder: list(data.default_units).join("、"), maxlength: 2000 })),
  ], "下发", async (f) => {
    const named = await resolveUnits(f.units.value);
    return panelAct("supervision", "下发督办单", `/api/incidents/${incidentId}/supervision`, {
      requirement: f.requirement.value.trim(), due_at: localToIso(dateValue(f.due) || f.due.value), units: named.length ? named : undefined,
    });
  });
  attachUnitPicker(node.elements.units, { multiple: true });
  return node;
}

function renderSupervision(data) {
  const notices = list(data.notices);
  document.getElementById("notices").replaceChildren(...notices.map(noticeNode));
  document.getElementById("no-notices").hidden = notices.length > 0;
  const answerable = notices.filter((n) => n.may_answer);
  keyed(document.getElementById("supervision-forms"), [data.may_issue, ...answerable.map((n) => n.id)].join(","),
    () => [...answerable.map(answerForm), ...(data.may_issue ? [issueForm(data)] : [])]);
}

function scoreRow(label, value) {
  return [el("dt", {}, label), el("dd", {}, String(value))];
}

function reviewNode(r) {
  return el("div", { class: "review", "data-unit": r.unit },
    el("div", { class: "review-head" }, el("strong", {}, r.unit), " ",
      el("span", { class: "review-score", "data-role": "score" }, `综合 ${Number(r.score).toFixed(1)}`),
      r.accountability ? el("span", { class: "esc-tag", "data-role": "accountability" }, `问责：${r.accountability_ground || ""}`) : null),
    el("dl", { class: "kv" }, ...scoreRow("反应迅速", r.timeliness), ...scoreRow("回应准确", r.accuracy),
      ...scoreRow("发声权威", r.authority), ...scoreRow("处置得当", r.handling),
      ...(r.comments ? [el("dt", {}, "评估意见"), el("dd", {}, r.comments)] : []),
      ...(r.accountability_note ? [el("dt", {}, "问责理由"), el("dd", {}, r.accountability_note)] : []),
      el("dt", {}, "评估人"), el("dd", {}, `${personName(r.reviewer)} ${fmtTime(r.at)}`)));
}

function scoreField(name, label) {
  const id = `f-review-${name}`;
  return el("label", { for: id, class: "field" }, el("span", {}, `${label}（0–100）`),
    el("input", { id, name, type: "number", min: 0, max: 100, step: 1, required: true }));
}

function reviewForm(responders) {
  const open = responders.filter((r) => r.may_review);
  const flag = el("input", { id: "f-review-accountability", name: "accountability", type: "checkbox" });
  const ground = el("select", { id: "f-review-ground", name: "ground", disabled: true },
    el("option", { value: "" }, "（选择问责事由）"), ...ACCOUNTABILITY_GROUNDS.map((g) => el("option", { value: g }, g)));
  const note = el("textarea", { id: "f-review-note", name: "note", rows: 2, disabled: true, maxlength: 2000 });
  flag.addEventListener("change", () => { ground.disabled = note.disabled = !flag.checked; });
  return panelForm("review", "评估回应", [
    el("label", { for: "f-review-unit", class: "field" }, el("span", {}, "回应单位"),
      el("select", { id: "f-review-unit", name: "unit", required: true },
        ...open.map((r) => el("option", { value: r.unit }, `${r.unit}（反应迅速 ${r.timeliness}）`)))),
    scoreField("accuracy", "回应准确"), scoreField("authority", "发声权威"), scoreField("handling", "处置得当"),
    el("label", { for: "f-review-comments", class: "field" }, el("span", {}, "评估意见"),
      el("textarea", { id: "f-review-comments", name: "comments", rows: 3, maxlength: 5000 })),
    el("label", { for: "f-review-accountability", class: "check" }, flag, " 提出问责"),
    el("label", { for: "f-review-ground", class: "field" }, el("span", {}, "问责事由"), ground),
    el("label", { for: "f-review-note", class: "field" }, el("span", {}, "问责理由"), note),
  ], "提交评估", (f) => panelAct("review", "评估回应", `/api/incidents/${incidentId}/reviews`, {
    unit: f.unit.value, accuracy: Number(f.accuracy.value), authority: Number(f.authority.value),
    handling: Number(f.handling.value), comments: f.comments.value.trim(), accountability: f.accountability.checked,
    accountability_ground: f.accountability.checked ? f.ground.value || undefined : undefined,
    accountability_note: f.accountability.checked ? f.note.value.trim() : undefined,
  }));
}

function renderReviews(data) {
  const reviews = list(data.reviews);
  const waiting = list(data.responders).filter((r) => !r.reviewed);
  document.getElementById("reviews").replaceChildren(...reviews.map(reviewNode),
    ...waiting.map((r) => el("div", { class: "review pending", "data-unit": r.unit },
      el("strong", {}, r.unit), " ", el("span", { class: "muted" }, `待评估 · 反应迅速 ${r.timeliness}`))));
  document.getElementById("no-reviews").hidden = reviews.length + waiting.length > 0;
  const open = list(data.responders).filter((r) => r.may_review);
  keyed(document.getElementById("review-forms"), open.map((r) => r.unit).join(","),
    () => (open.length ? [reviewForm(data.responders)] : []));
}

async function loadPanels(mine) {
  const [supervision, reviews] = await Promise.allSettled([
    api(`/api/incidents/${incidentId}/supervision`), api(`/api/incidents/${incidentId}/reviews`)]);
  if (mine !== generation) return;
  if (supervision.status === "fulfilled") renderSupervision(supervision.value);
  if (reviews.status === "fulfilled") renderReviews(reviews.value);
  state.panelsStale = false;
}

let generation = 0;

async function load() {
  const mine = ++generation; // reads overlap (a push, an action): only the latest started may paint
  try {
    const data = await api(`/api/incidents/${incidentId}`);
    if (mine !== generation) return;
    state.data = data;
    // username → 姓名 from the audit log (every act there has its actor's name): panels name people
    for (const a of list(data.audit)) if (a.actor && a.actor_name) state.names[a.actor] = a.actor_name;
    document.title = `#${data.incident.id} ${data.incident.topic} · 事件详情`;
    summary(data);
    clocks(data);
    reasons(data.incident);
    timeline(data);
    renderActions(data);
    show(document.getElementById("detail-error"), "");
    document.dispatchEvent(new CustomEvent("incident:loaded")); // duties.js repaints its panel
    await loadPanels(mine);
    document.dispatchEvent(new CustomEvent("yuqing:loaded")); // supervision.js, attachments.js
  } catch (err) {
    if (mine === generation) show(document.getElementById("detail-error"), `加载失败：${errorText(err)}`);
  }
}

async function main() {
  const user = await whoami();
  if (!user) return;
  state.user = user;
  setupHeader(user);
  if (!Number.isInteger(incidentId) || incidentId <= 0) {
    show(document.getElementById("detail-error"), "事件编号无效");
    return;
  }
  document.addEventListener("yuqing:changed", () => { state.panelsStale = true; load(); });
  await load();
  document.addEventListener("duties:changed", () => load()); // a duty step (duties.js) changed the incident
  if (location.hash.length > 1) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  startTicking(document.getElementById("clocks"));
  startTicking(document.getElementById("notices"));
  const alerts = new AlertBanner(document.getElementById("alerts"));
  alerts.refresh();
  const mine = (msg) => list(msg.incidents).some((i) => Number(i && (i.id ?? i)) === incidentId)
    || list(msg.removed).some((id) => Number(id) === incidentId);
  new Live({
    onChanges: (msg) => { if (mine(msg)) load(); },
    onAlert: (msg) => { alerts.pushed(msg); if (Number(msg.incident_id) === incidentId) load(); },
    onSnapshot: () => { load(); alerts.refresh(); },
  }).start();
}

main();
