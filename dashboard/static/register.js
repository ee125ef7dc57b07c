// 联络登记与问责: which assessed units lack a 政务舆情 register (seed 000 三(五)2), the 问责
// records with their 整改 deadline, the annual assessment results, and for the admin the
// working-day calendar's missing years. Read-only; every text goes in with textContent (el).

import { api, el, errorText, fmtTime, show, whoami, setupHeader } from "./common.js";

function cell(text) {
  return el("td", {}, text == null || text === "" ? "—" : String(text));
}

async function calendarFlag() {
  const node = document.getElementById("calendar-flag");
  try {
    const status = await api("/api/calendar/status");
    show(node, status.ok ? "" : `${status.message}：涉及这些年份的工作日期限暂不计算，请系统管理员补录节假日安排。`);
  } catch (err) {
    if (err.status !== 403) show(node, `工作日历状态加载失败：${errorText(err)}`);
  }
}

async function registerGaps() {
  const report = await api("/api/register/completeness");
  document.getElementById("register-summary").textContent =
    `考核单位 ${report.assessed} 个：登记完整 ${report.complete} 个，不完整或未登记 ${report.incomplete} 个（应于 ${report.due} 前明确）。`;
  document.querySelector("#register-gaps tbody").replaceChildren(...report.units.map((u) =>
    el("tr", { "data-unit": u.unit }, cell(u.unit), cell(u.missing_labels.join("、")))));
}

async function accountability() {
  const data = await api("/api/accountability");
  document.querySelector("#accountability tbody").replaceChildren(...data.records.map((r) =>
    el("tr", { "data-id": r.id, "data-state": r.state || "" }, cell(r.unit), cell(r.ground), cell(r.sanction),
      cell(fmtTime(r.notified_at)), cell(r.due_at ? fmtTime(r.due_at) : (r.rectify_days ? "待补录工作日历" : "")),
      cell(r.state_label))));
  document.getElementById("accountability-empty").hidden = data.records.length > 0;
}

async function assessments() {
  const data = await api("/api/assessments");
  document.getElementById("weight-note").textContent = data.weight_note;
  document.querySelector("#assessments tbody").replaceChildren(...data.results.map((r) => {
    const lost = r.response_part.deductions.map((d) => `${d.reason}（${d.points}分）`).join("；");
    return el("tr", { "data-unit": r.unit }, cell(r.year), cell(r.unit), cell(Number(r.score).toFixed(1)),
      cell(r.grade), cell(r.notice), cell(lost), cell(r.note));
  }));
  document.getElementById("assessments-empty").hidden = data.results.length > 0;
}

async function main() {
  const user = await whoami();
  if (!user) return;
  setupHeader(user);
  try {
    await Promise.all([calendarFlag(), registerGaps(), accountability(), assessments()]);
    show(document.getElementById("load-error"), "");
  } catch (err) {
    show(document.getElementById("load-error"), `加载失败：${errorText(err)}`);
  }
  document.body.dataset.ready = "true";
}

main();
