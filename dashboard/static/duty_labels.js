// The Chinese labels of the duty steps' audit details (issue 15), for the incident timeline
// (the actions' own labels are in incident.js's ACTION_LABEL, where the audit test reads them).

export const DUTY_DETAIL_LABEL = {
  answers_for: "回应涵盖单位", on_time: "按时", deadlines: "完成时限", statement_id: "统一口径编号",
  reporter: "报告人", method: "报告方式", reported_at: "报告时间", report_to: "报告对象",
};
export const DUTY_HIDDEN_DETAIL = ["duty_id", "role"];
