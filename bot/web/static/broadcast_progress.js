/* A broadcast's live progress (bot/web/templates/broadcasts/report.html): asks the page's JSON
   endpoint (/dinas/siaran/{id}/kemajuan) and rewrites the bar, the words and the counts the page
   already shows. No library; without JavaScript the page still shows the figures at load and a
   "muat ulang" link. When the broadcast is over, the page is loaded once more for the full report. */
(function () {
  "use strict";

  var box = document.querySelector("[data-progress-url]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var shownStatus = box.getAttribute("data-status");
  var RETRY_SECONDS = 10;

  function reload() {
    window.location.replace(window.location.pathname); // without the notice of the form that led here
  }

  function put(selector, text) {
    var element = document.querySelector(selector);
    if (element && element.textContent !== text) {
      element.textContent = text;
    }
  }

  function show(data) {
    var bar = box.querySelector("[data-bar]");
    if (bar) {
      bar.value = data.percent;
      bar.textContent = data.percent + "%";
    }
    put("[data-state]", data.state);
    put("[data-summary]", data.summary);
    Object.keys(data.counts).forEach(function (key) {
      put('[data-count="' + key + '"]', data.counts[key]);
    });
    var cancel = document.querySelector("[data-cancel]");
    if (cancel) {
      cancel.hidden = !data.cancellable;
    }
    if (data.next === null) {
      if (data.status !== shownStatus) {
        reload();
      }
      return;
    }
    if (data.status === "sending" && shownStatus === "scheduled") {
      reload(); // it started: the report's table is drawn now
      return;
    }
    later(data.next);
  }

  function ask() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error(String(answer.status));
        }
        return answer.json();
      })
      .then(show)
      .catch(function () {
        later(RETRY_SECONDS); // signed out, or the server restarting: try again a little later
      });
  }

  function later(seconds) {
    window.setTimeout(ask, seconds * 1000);
  }

  later(Number(box.getAttribute("data-next")) || 2);
})();
