// The Chinese labels of the duty steps' audit details (issue 15), for the incident timeline
// (the actions' own labels are in incident.js's ACTION_LABEL, where the audit test reads them).

export const DUTY_DETAIL_LABEL = {
  answers_for: "回应涵盖单位", on_time: "按时", deadlines: "完成时限", statement_id: "统一口径编号",
  reporter: "报告人", method: "报告方式", reported_at: "报告时间", report_to: "报告对象", duties: "补写职责",
};
export const DUTY_HIDDEN_DETAIL = ["duty_id", "role"];

// a backfilled duty in the timeline (incident.duties_backfilled): 高平市教育局（牵头，待认领）
const ROLE_TEXT = { first: "第一责任", lead: "牵头", co_locality: "属地回应", party_report: "向同级党委报告" };
const STATUS_TEXT = { open: "待认领", claimed: "已认领", met: "已回应", dropped: "已撤销" };
export function dutiesText(duties) {
  const rows = Array.isArray(duties) ? duties : [];
  return rows.map((d) => `${d.unit}（${ROLE_TEXT[d.role] || "职责"}，${STATUS_TEXT[d.status] || "—"}）`).join("；")
    || "无（路由未给出职责）";
}
