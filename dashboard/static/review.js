// 回应效果评估: the reviewer's queue of responded and closed incidents, one row per responding
// unit, with 反应迅速 already computed by the server; each row links to the incident's
// review panel, where the form is.

import { AlertBanner, api, el, errorText, fmtTime, show, whoami, setupHeader } from "./common.js";

const PAGE = 50;
const state = { reviewed: false, offset: 0 };
const SEVERITY_CLASS = { 特别重大: "s1", 重大: "s2" };

function level(score) {
  return score >= 90 ? "ok" : score >= 60 ? "warn" : "danger";
}

function row(e) {
  const link = `/incidents/${Number(e.incident_id)}#review-panel`;
  const outcome = e.review
    ? el("span", { class: "review-score" }, `综合 ${Number(e.review.score).toFixed(1)}`,
      e.review.accountability ? el("span", { class: "esc-tag" }, "问责") : null)
    : e.may_review ? el("a", { href: link, class: "button primary small-button" }, "评估")
      : el("span", { class: "muted" }, "本单位回应，不能评估");
  return el("tr", { "data-incident-id": e.incident_id, "data-unit": e.unit },
    el("td", {}, el("a", { href: `/incidents/${Number(e.incident_id)}`, class: "ev-link" }, `#${e.incident_id}`)),
    el("td", {}, e.topic),
    el("td", {}, el("span", { class: `badge ${SEVERITY_CLASS[e.severity] || "s3"}` }, e.severity)),
    el("td", {}, e.unit),
    el("td", {}, fmtTime(e.responded_at)),
    el("td", {}, el("span", { class: "timeliness", "data-level": level(e.timeliness) }, String(e.timeliness))),
    el("td", {}, el("span", { class: `status st-${e.status}` }, e.status_label || e.status)),
    el("td", {}, outcome));
}

async function load() {
  try {
    const data = await api(`/api/reviews/queue?reviewed=${state.reviewed}&limit=${PAGE}&offset=${state.offset}`);
    document.getElementById("queue-rows").replaceChildren(...data.entries.map(row));
    document.getElementById("queue-empty").hidden = data.entries.length > 0;
    document.getElementById(`count-${state.reviewed}`).textContent = data.total ? String(data.total) : "";
    const last = Math.min(data.total, state.offset + data.entries.length);
    document.getElementById("page-info").textContent = data.total ? `${state.offset + 1}–${last} / ${data.total}` : "";
    document.getElementById("prev").disabled = state.offset === 0;
    document.getElementById("next").disabled = last >= data.total;
    show(document.getElementById("queue-error"), "");
  } catch (err) {
    show(document.getElementById("queue-error"), `加载失败：${errorText(err)}`);
  }
}

async function main() {
  const user = await whoami();
  if (!user) return;
  setupHeader(user);
  new AlertBanner(document.getElementById("alerts")).refresh();
  for (const tab of document.querySelectorAll("#review-tabs button")) {
    tab.addEventListener("click", () => {
      state.reviewed = tab.dataset.reviewed === "true";
      state.offset = 0;
      for (const t of document.querySelectorAll("#review-tabs button")) t.classList.toggle("active", t === tab);
      load();
    });
  }
  document.getElementById("prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - PAGE); load(); });
  document.getElementById("next").addEventListener("click", () => { state.offset += PAGE; load(); });
  await load();
}

main();
