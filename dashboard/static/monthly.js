// 月报: the printable monthly report (GET /api/reports/monthly), laid out for A4 by print.css.
// The summary paragraph is written by the server from the figures; names go in as text.

import { ZONE, api, errorText, setupHeader, show, whoami } from "./common.js";
import { dateFields, dateValue, setDate } from "./datefield.js";
import { addDays, fillTable, fmt, today } from "./reports.js";

const OVERALL = [
  ["受理事件数", "received", "count"], ["按时回应率", "on_time_rate", "rate"],
  ["核实反馈按时率", "feedback_on_time_rate", "rate"], ["认领用时中位数（小时）", "median_claim_hours", "hours"],
  ["回应用时中位数（小时）", "median_response_hours", "hours"], ["超时次数", "breaches", "count"],
  ["退回次数", "returns", "count"], ["评估平均分", "review_score", "score"], ["问责次数", "accountability", "count"],
  ["舆情回应得分", "assessment_score", "score"],
];
// the monthly tables keep to what fits an A4 page
const SHORT = ["received", "on_time", "late", "on_time_rate", "feedback_on_time_rate", "median_claim_hours",
  "median_response_hours", "breaches", "returns", "review_score", "accountability", "assessment_score"];

// one table row of text cells (never markup)
function row(cells, tag) {
  const tr = document.createElement("tr");
  for (const text of cells) {
    const cell = document.createElement(tag);
    cell.textContent = text;
    tr.append(cell);
  }
  return tr;
}

function overallTable(table, t) {
  table.replaceChildren(row(OVERALL.map(([label]) => label), "th"), row(OVERALL.map(([, key, kind]) => fmt(t[key], kind)), "td"));
}

// on time per unit per duty (issue 15): one row per unit and duty, names as text
const DUTY_COLUMNS = [["应办", "owed", "count"], ["按时", "on_time", "count"], ["超时", "late", "count"],
  ["时限内待办", "pending", "count"], ["按时率", "on_time_rate", "rate"]];

function dutyTable(table, duties) {
  const rows = (duties || []).map((d) => row([d.unit, d.role_label, ...DUTY_COLUMNS.map(([, key, kind]) => fmt(d[key], kind))], "td"));
  if (!rows.length) rows.push(row(["所选范围内无职责记录"], "td"));
  const head = document.createElement("thead");
  const body = document.createElement("tbody");
  head.append(row(["责任单位", "职责", ...DUTY_COLUMNS.map(([label]) => label)], "th"));
  body.append(...rows);
  table.replaceChildren(head, body);
}

async function load() {
  const form = document.getElementById("monthly-filters");
  const q = new URLSearchParams({ month: dateValue(form.elements.month) || "" });
  const region = form.elements.region.value.trim();
  if (region) q.set("region", region);
  const error = document.getElementById("monthly-error");
  let data;
  try {
    data = await api(`/api/reports/monthly?${q}`);
  } catch (err) {
    show(error, `生成失败：${errorText(err)}`);
    return;
  }
  show(error, "");
  history.replaceState(null, "", `/reports/monthly?${q}`);
  document.title = data.title;
  document.getElementById("m-title").textContent = data.title;
  const made = new Intl.DateTimeFormat("zh-CN", { timeZone: ZONE, dateStyle: "long" }).format(new Date(data.as_of));
  document.getElementById("m-meta").textContent = `统计范围：${data.name}　受理日期：${data.from} 至 ${addDays(data.to, -1)}　制表日期：${made}`;
  document.getElementById("m-summary").textContent = data.summary;
  overallTable(document.getElementById("m-overall"), data.overall);
  const columns = SHORT.map((key) => ({ key, ...labels[key] }));
  fillTable(document.getElementById("m-units"), "责任单位", data.by_unit, columns, data.overall);
  fillTable(document.getElementById("m-weeks"), "周次", data.by_week, columns);
  fillTable(document.getElementById("m-topics"), "领域", data.by_topic, columns);
  dutyTable(document.getElementById("m-duties"), data.duties);
  const cq = new URLSearchParams({ from: data.from, to: data.to });
  if (region) cq.set("region", region);
  document.getElementById("m-chart-units").src = `/api/reports/chart/units.svg?${cq}`;
  document.getElementById("m-chart-weeks").src = `/api/reports/chart/weeks.svg?${cq}`;
  document.getElementById("monthly-xlsx").href = `/api/reports/monthly.xlsx?${q}`;
}

const labels = {
  received: { label: "受理", kind: "count" }, on_time: { label: "按时", kind: "count" },
  late: { label: "超时", kind: "count" }, on_time_rate: { label: "按时回应率", kind: "rate" },
  feedback_on_time_rate: { label: "核实反馈按时率", kind: "rate" },
  median_claim_hours: { label: "认领用时（时）", kind: "hours" }, median_response_hours: { label: "回应用时（时）", kind: "hours" },
  breaches: { label: "超时次数", kind: "count" }, returns: { label: "退回", kind: "count" },
  review_score: { label: "评估均分", kind: "score" }, accountability: { label: "问责", kind: "count" },
  assessment_score: { label: "舆情回应得分", kind: "score" },
};

async function main() {
  const user = await whoami();
  if (!user) return;
  setupHeader(user);
  const form = document.getElementById("monthly-filters");
  const given = new URLSearchParams(location.search);
  dateFields(form);
  setDate(form.elements.month, given.get("month") || today().slice(0, 7));
  form.elements.region.value = given.get("region") || "";
  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  document.getElementById("print").addEventListener("click", () => window.print());
  await load();
  document.body.dataset.ready = "true";
}

main();
