// The presenter page: keyboard and click navigation, overview, theme, and live slides over SSE.
// It only places what the server sends; the server sends only what the chat may show.
"use strict";
(function () {
  const slidesBox = document.getElementById("slides");
  const connection = document.getElementById("connection");
  let current = 0;

  function slides() { return Array.from(slidesBox.querySelectorAll(".slide")); }

  function show(index) {
    const all = slides();
    if (all.length === 0) { return; }
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (slide, i) {
      const here = i === current;
      slide.classList.toggle("current", here);
      slide.setAttribute("aria-current", here ? "true" : "false");
      slide.tabIndex = document.body.classList.contains("overview") ? 0 : -1;
    });
    document.body.dataset.current = String(current);
  }

  function toggleOverview(on) {
    const wanted = on === undefined ? !document.body.classList.contains("overview") : on;
    document.body.classList.toggle("overview", wanted);
    show(current);
  }

  function toggleTheme() {
    const root = document.documentElement;
    root.dataset.theme = root.dataset.theme === "contrast" ? "light" : "contrast";
    try { localStorage.setItem("canvass-theme", root.dataset.theme); } catch (e) { /* private mode */ }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    const key = event.key;
    if (key === "ArrowRight" || key === "ArrowDown" || key === "PageDown" || key === " ") { show(current + 1); }
    else if (key === "ArrowLeft" || key === "ArrowUp" || key === "PageUp") { show(current - 1); }
    else if (key === "Home") { show(0); }
    else if (key === "End") { show(slides().length - 1); }
    else if (key === "o" || key === "O") { toggleOverview(); }
    else if (key === "Escape") { toggleOverview(false); }
    else if (key === "c" || key === "C") { toggleTheme(); }
    else if (key === "Enter" && document.body.classList.contains("overview")) { toggleOverview(false); }
    else { return; }
    event.preventDefault();
  });

  slidesBox.addEventListener("click", function (event) {
    if (!document.body.classList.contains("overview")) { return; }
    const slide = event.target.closest(".slide");
    if (slide) { current = Number(slide.dataset.index); toggleOverview(false); }
  });
  document.getElementById("prev").addEventListener("click", function () { show(current - 1); });
  document.getElementById("next").addEventListener("click", function () { show(current + 1); });
  document.getElementById("overview").addEventListener("click", function () { toggleOverview(); });
  document.getElementById("theme").addEventListener("click", toggleTheme);

  const params = new URLSearchParams(location.search);
  let theme = params.get("theme");
  if (!theme) { try { theme = localStorage.getItem("canvass-theme"); } catch (e) { theme = null; } }
  if (theme === "contrast" || theme === "light") { document.documentElement.dataset.theme = theme; }
  show(0);

  const stream = new EventSource(location.pathname.replace(/\/+$/, "") + "/events");
  stream.onmessage = function (event) {
    const update = JSON.parse(event.data);
    // The server escaped every participant's string before it built this HTML.
    slidesBox.innerHTML = update.html;
    document.body.dataset.closed = update.closed ? "true" : "false";
    connection.hidden = true;
    show(current);
    document.body.dataset.updates = String(Number(document.body.dataset.updates || "0") + 1);
  };
  stream.addEventListener("gone", function () {
    stream.close();
    connection.textContent = "This presenter link has ended.";
    connection.hidden = false;
  });
  stream.onerror = function () { connection.hidden = false; };
})();
