// The console's live parts: the page follows the exercise over Server-Sent Events and
// re-renders from the server (no HTML is built from strings here), the clock ticks, and
// a message a team opens is marked read.
const page = document.body.dataset.page;
const agency = document.body.dataset.agency;
const envelope = document.body.dataset.envelope;
const role = document.body.dataset.role;
const csrfMeta = document.querySelector('meta[name="csrf-token"]');
const csrf = csrfMeta ? csrfMeta.content : "";

let refreshing = null;

// Fetch this page again and put its new live parts in place of the old ones (the parts a
// person may be typing in are not live, so nothing they typed is lost).
async function refresh() {
  const response = await fetch(location.href, { credentials: "same-origin" });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  const parts = [...document.querySelectorAll("[data-live][id]")].map((part) => `#${part.id}`);
  for (const selector of [...parts, "nav.tabs", "#clock"]) {
    const old = document.querySelector(selector);
    const replacement = fresh.querySelector(selector);
    if (old && replacement) old.replaceWith(document.adoptNode(replacement));
  }
  document.dispatchEvent(new CustomEvent("trafsim:refreshed"));
}

function soon() {
  if (refreshing) return;
  refreshing = setTimeout(async () => {
    refreshing = null;
    await refresh();
  }, 250);
}

function concerns(event) {
  const data = JSON.parse(event.data);
  if (page === "message") return data.envelope_id === envelope;
  return true;
}

function follow() {
  const url = document.body.dataset.events;
  if (!url) return;
  const source = new EventSource(url);
  for (const name of ["delivered", "status", "clock", "ended"]) {
    source.addEventListener(name, (event) => {
      document.dispatchEvent(
        new CustomEvent("trafsim:event", { detail: { name, data: JSON.parse(event.data) } }),
      );
    });
  }
  source.addEventListener("delivered", (event) => {
    if (page === "inbox" || page === "cases" || page === "control" || concerns(event)) soon();
  });
  source.addEventListener("status", (event) => {
    if (page === "sent" || page === "cases" || page === "control" || concerns(event)) soon();
  });
  source.addEventListener("clock", () => soon());
  source.addEventListener("ended", () => {
    source.close();
    soon();
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      document.getElementById("live-lost").hidden = false;
    }
  };
}

async function tick() {
  const now = document.getElementById("clock-now");
  if (!now) return;
  const response = await fetch("/api/v1/clock", { credentials: "same-origin" });
  if (!response.ok) return;
  const clock = await response.json();
  const months = JSON.parse(document.body.dataset.months || "{}");
  document.getElementById("clock-now").textContent = clock.now.replace(
    /\b[A-Z][a-z]{2}\b/,
    (month) => months[month] || month,
  );
}

async function markRead() {
  if (page !== "message" || role !== "team" || !envelope) return;
  const recipient = document.querySelector(`section.delivery[data-recipient="${agency}"]`);
  if (!recipient || !recipient.classList.contains("state-delivered")) return;
  await fetch(
    `/api/v1/agencies/${encodeURIComponent(agency)}/messages/${encodeURIComponent(envelope)}/read`,
    { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } },
  );
}

follow();
markRead();
document.addEventListener("trafsim:changed", soon);
document.addEventListener("trafsim:refreshed", markRead);
if (document.getElementById("clock-now")) setInterval(tick, 1000);
