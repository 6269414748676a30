// The replay viewer's playback: the position moves on time of play at the chosen speed,
// and the server renders each new moment (no HTML is built from strings here). At most
// one request for a moment is in flight: while it is, the position keeps moving and the
// next request asks for wherever it has got to, so fast playback never piles requests up.
const body = document.body;
const live = body.dataset.live === "true";
const playButton = document.getElementById("play");
const pauseButton = document.getElementById("pause");
const speedSelect = document.getElementById("speed");
const status = document.getElementById("play-status");
const errorBox = document.getElementById("error");
const filtersForm = document.getElementById("filters");
const TICK_MS = 100;
const METRICS_EVERY_MS = 2000;
const LIVE_EVERY_MS = 1000;

let playing = false;
let position = Number(moment().dataset.playUs);
let lastTick = 0;
let busy = false;
let asked = 0;
let inFlight = null;
let metricsBusy = false;
let metricsAt = 0;
let metricsWanted = null;
let askedAt = 0;

function moment() {
  return document.getElementById("moment");
}

// The filters and speed as query parameters, with a moment (`at`, `seq` or `play`).
function query(where) {
  const params = new URLSearchParams(where);
  for (const name of ["agency", "case", "country", "type"]) {
    const value = filtersForm.elements[name].value;
    if (value) params.set(name, value);
  }
  params.set("speed", speedSelect.value);
  return params;
}

async function fetchPart(path, params, signal) {
  const response = await fetch(`${path}?${params}`, { credentials: "same-origin", signal });
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  if (!response.ok) {
    const refusal = page.getElementById("query-error");
    throw new Error(refusal ? refusal.textContent : `${response.status}`);
  }
  return page;
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

// Show the moment `params` names; a newer request makes an older answer moot.
async function show(params) {
  const mine = ++asked;
  if (inFlight) inFlight.abort();
  const controller = new AbortController();
  inFlight = controller;
  busy = true;
  body.dataset.busy = "true";
  try {
    const page = await fetchPart("/moment", params, controller.signal);
    if (mine !== asked) return;
    const fresh = page.getElementById("moment");
    moment().replaceWith(document.adoptNode(fresh));
    showError("");
    settle(fresh);
  } catch (error) {
    if (error.name !== "AbortError" && mine === asked) {
      showError(error.message);
      setPlaying(false);
    }
  } finally {
    if (mine === asked) {
      busy = false;
      inFlight = null;
      body.dataset.busy = "false";
    }
  }
}

// After a new moment: the address, the seek fields and the filters follow it.
function settle(fresh) {
  history.replaceState(null, "", fresh.dataset.url);
  const switcher = document.getElementById("language");
  const target = new URL(switcher.href);
  target.searchParams.set("next", fresh.dataset.url);
  switcher.href = target.pathname + target.search;
  if (!playing) position = Number(fresh.dataset.playUs);
  for (const [id, value] of [["seek-at", fresh.dataset.at], ["seek-seq", fresh.dataset.seq]]) {
    const input = document.getElementById(id);
    if (document.activeElement !== input) input.value = value;
  }
  const filters = JSON.parse(fresh.dataset.filters || "{}");
  for (const name of ["agency", "case", "country", "type"]) {
    filtersForm.elements[name].value = filters[name] || "";
  }
  const now = performance.now();
  if (!playing || now - metricsAt >= METRICS_EVERY_MS) refreshMetrics(fresh.dataset.seq, now);
}

// The metrics of the moment shown; asked again while a fetch runs, the latest wish is
// fetched once it ends (one metrics request at a time too).
async function refreshMetrics(seq, now) {
  metricsWanted = seq;
  metricsAt = now;
  if (metricsBusy) return;
  metricsBusy = true;
  try {
    while (metricsWanted !== null) {
      const wanted = metricsWanted;
      metricsWanted = null;
      const page = await fetchPart("/metrics", query({ seq: wanted }));
      const fresh = page.getElementById("metrics");
      const old = document.getElementById("metrics");
      if (fresh && old) old.replaceWith(document.adoptNode(fresh));
    }
  } catch (error) {
    showError(error.message);
  } finally {
    metricsBusy = false;
  }
}

function setPlaying(on) {
  playing = on;
  body.dataset.playing = on ? "true" : "false";
  playButton.hidden = on;
  pauseButton.hidden = !on;
  status.textContent = on ? status.dataset.playing : status.dataset.paused;
  lastTick = performance.now();
}

function tick() {
  if (!playing) return;
  const now = performance.now();
  const end = Number(moment().dataset.endPlayUs);
  position = Math.min(position + ((now - lastTick) / 1000) * Number(speedSelect.value) * 1e6, end);
  lastTick = now;
  if (position >= end && !live) {
    setPlaying(false);
    show(query({ play: Math.floor(position) }));
    return;
  }
  // Caught up with a live exercise: look for new records once a second, not every tick.
  if (position >= end && now - askedAt < LIVE_EVERY_MS) return;
  if (!busy) {
    askedAt = now;
    show(query({ play: Math.floor(position) }));
  }
}

playButton.addEventListener("click", () => {
  const end = Number(moment().dataset.endPlayUs);
  if (position >= end && !live) position = 0;
  setPlaying(true);
});

pauseButton.addEventListener("click", () => {
  setPlaying(false);
  // The last word is the moment where playback stopped.
  show(query({ play: Math.floor(position) }));
});

speedSelect.addEventListener("change", () => {
  lastTick = performance.now();
  if (!playing) show(query(whereNow()));
});

// Where the page stands: the record it was stepped to, or the time of play.
function whereNow() {
  const seq = new URLSearchParams(location.search).get("seq");
  return seq && !playing ? { seq } : { play: Math.floor(position) };
}

// Seeking, stepping and filtering pause playback and show the moment asked for.
for (const [formId, name] of [["seek-time", "at"], ["seek-record", "seq"]]) {
  document.getElementById(formId).addEventListener("submit", (event) => {
    event.preventDefault();
    setPlaying(false);
    const value = event.target.elements[name].value;
    show(query({ [name]: value }));
  });
}

filtersForm.addEventListener("submit", (event) => {
  event.preventDefault();
  setPlaying(false);
  show(query(whereNow()));
});

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-moment]");
  if (!link) return;
  event.preventDefault();
  setPlaying(false);
  show(new URL(link.href).searchParams);
});

setInterval(tick, TICK_MS);
