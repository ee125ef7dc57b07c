// The login page: POST /api/auth/login, then on to the page asked for (same origin only).
import { api, errorText, show } from "./common.js";

export function sameOriginPath(next, origin) {
  // resolved the way the browser will resolve it: tabs and newlines are stripped and "\\"
  // reads as "/", so "/%09/evil.example" is "//evil.example" — only our own origin passes
  if (!next) return null;
  let url;
  try {
    url = new URL(next, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin || url.pathname === "/") return null; // "/" is this page: no loop
  return url.pathname + url.search + url.hash;
}

function target() {
  const next = new URLSearchParams(location.search).get("next") || "";
  return sameOriginPath(next, location.origin) || "/dashboard";
}

async function alreadySignedIn() {
  try {
    await api("/api/auth/me");
    location.replace(target());
  } catch { /* not signed in: stay */ }
}

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const error = document.getElementById("login-error");
  const button = document.getElementById("login-submit");
  show(error, "");
  button.disabled = true;
  try {
    await api("/api/auth/login", {
      method: "POST",
      body: { username: form.username.value.trim(), password: form.password.value },
    });
    location.assign(target());
  } catch (err) {
    show(error, err.status === 401 ? "用户名或密码错误" : errorText(err));
    button.disabled = false;
  }
});

alreadySignedIn();
