// The incident page's sticky action bar on a phone (app.css shows it below 600 px): the main
// steps one thumb away — 认领 at once, 回应 and 退回 open their form.

import { el } from "./common.js";

const BAR = [["claim", "认领", "primary"], ["respond", "回应", "primary"], ["return", "退回", "danger"]];

export function actionBar(names) {
  const bar = document.getElementById("action-bar");
  if (!bar) return;
  const here = BAR.filter(([name]) => names.includes(name));
  bar.replaceChildren(...here.map(([name, text, kind]) => {
    const button = el("button", { type: "button", class: kind, "data-bar": name }, text);
    button.addEventListener("click", () => {
      const target = document.getElementById(name);
      if (!target) return;
      if (name === "claim") { target.requestSubmit(); return; }
      target.scrollIntoView({ block: "start" });
      target.querySelector("textarea, select, input")?.focus({ preventScroll: true });
    });
    return button;
  }));
  bar.hidden = here.length === 0;
}
