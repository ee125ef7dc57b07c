// 统计报表: filters (period, region), the figures as tables, the server-rendered SVG charts
// and the export links. Figures come from GET /api/reports/summary (scoped by the server);
// every name is inserted as text. The table builders are shared with the monthly report.

import { ZONE, api, el, errorText, setupHeader, show, weekLabel, whoami } from "./common.js";
import { dateFields, dateValue, setDate } from "./datefield.js";

const TZ_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" });

export function today() { return TZ_DAY.format(new Date()); }

export function addDays(iso, n) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function fmt(value, kind) {
  if (value === null || value === undefined) return "—";
  if (kind === "rate") return `${(value * 100).toFixed(1)}%`;
  if (kind === "hours" || kind === "score") return Number(value).toFixed(1);
  if (kind === "points") return Number(value).toFixed(2);
  return String(value);
}

// A table of figures: first column the key (unit / week / topic), then the API's columns.
export function fillTable(table, first, rows, columns, total) {
  const head = el("tr", {}, el("th", {}, first), ...columns.map((c) => el("th", { class: "num" }, c.label)));
  const line = (f, cls) => el("tr", { class: cls, dataset: { key: f.key } },
    el("td", { class: "key" }, weekLabel(f.key)),
    ...columns.map((c) => el("td", { class: `num k-${c.kind}`, dataset: { col: c.key } }, fmt(f[c.key], c.kind))));
  const body = rows.map((f) => line(f));
  if (total) body.push(line({ ...total, key: "合计" }, "total"));
  if (!rows.length) body.push(el("tr", {}, el("td", { colspan: columns.length + 1, class: "empty" }, "所选范围内无数据")));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

export function kpiCards(root, t) {
  const card = (label, value, note) => el("div", { class: "kpi" },
    el("div", { class: "kpi-label" }, label), el("div", { class: "kpi-value" }, value),
    note ? el("div", { class: "kpi-note muted" }, note) : null);
  root.replaceChildren(
    card("受理事件", fmt(t.received, "count"), `按时 ${t.on_time} · 超时 ${t.late} · 时限内 ${t.pending}`),
    card("按时回应率", fmt(t.on_time_rate, "rate"), "24 小时 / 48 小时时限"),
    card("核实反馈按时率", fmt(t.feedback_on_time_rate, "rate"), `按时 ${t.feedback_on_time} · 超时 ${t.feedback_late}`),
    card("认领用时中位数", `${fmt(t.median_claim_hours, "hours")} 小时`),
    card("回应用时中位数", `${fmt(t.median_response_hours, "hours")} 小时`),
    card("超时 / 退回", `${t.breaches} / ${t.returns}`),
    card("评估平均分", fmt(t.review_score, "score"), `评估 ${t.reviews} 次 · 问责 ${t.accountability} 次`),
    card("舆情回应得分", fmt(t.assessment_score, "score"), "政务公开年度考核中舆情回应部分的参考，不折算年度考核分"),
  );
}

function query() {
  const form = document.getElementById("report-filters");
  const from = dateValue(form.elements.from) || "";
  const to = dateValue(form.elements.to) || "";
  const q = new URLSearchParams({ from, to: to ? addDays(to, 1) : "" }); // the API's `to` is exclusive
  const region = form.elements.region.value.trim();
  if (region) q.set("region", region);
  return q;
}

async function load() {
  const error = document.getElementById("report-error");
  const q = query();
  let data;
  try {
    data = await api(`/api/reports/summary?${q}`);
  } catch (err) {
    show(error, `查询失败：${errorText(err)}`);
    return;
  }
  show(error, "");
  history.replaceState(null, "", `/reports?${q}`);
  document.getElementById("report-scope").textContent =
    `统计范围：${data.scope}；受理日期 ${data.from} 至 ${addDays(data.to, -1)}；共 ${data.overall.received} 件事件`;
  kpiCards(document.getElementById("kpis"), data.overall);
  fillTable(document.getElementById("t-unit"), "责任单位", data.by_unit, data.columns, data.overall);
  fillTable(document.getElementById("t-week"), "周次", data.by_week, data.columns);
  fillTable(document.getElementById("t-topic"), "领域", data.by_topic, data.columns);
  for (const kind of ["units", "weeks", "topics"]) {
    document.getElementById(`chart-${kind}`).src = `/api/reports/chart/${kind}.svg?${q}`;
  }
  document.getElementById("export-csv").href = `/api/reports/export.csv?${q}`;
  const dq = new URLSearchParams(q);
  dq.set("table", "duty");
  document.getElementById("export-duty-csv").href = `/api/reports/export.csv?${dq}`;
  document.getElementById("export-xlsx").href = `/api/reports/export.xlsx?${q}`;
  const month = (q.get("from") || today()).slice(0, 7);
  const mq = new URLSearchParams({ month });
  if (q.get("region")) mq.set("region", q.get("region"));
  document.getElementById("monthly-link").href = `/reports/monthly?${mq}`;
}

async function main() {
  const user = await whoami();
  if (!user) return;
  setupHeader(user);
  const form = document.getElementById("report-filters");
  const given = new URLSearchParams(location.search);
  const end = given.get("to") ? addDays(given.get("to"), -1) : today();
  dateFields(form);
  setDate(form.elements.to, end);
  setDate(form.elements.from, given.get("from") || addDays(end, -29));
  form.elements.region.value = given.get("region") || "";
  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  await load();
  document.body.dataset.ready = "true";
}

if (document.body.dataset.page === "reports") main();
