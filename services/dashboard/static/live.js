/* Live updates of the escalation queue over server-sent events (GET /escalaties/live).
 *
 * The server sends `escalatie` (a row to insert or replace: {id, html, melding}) and `verdwenen` (a row
 * that no longer matches the filters: {id, melding}). New rows go on top only on the first page sorted
 * by last update; elsewhere a notice offers to reload the list. Every change is announced politely to
 * screen readers. Without JavaScript or EventSource the queue is simply a page that one reloads.
 */
(function () {
  "use strict";
  var status = document.getElementById("live-status");
  if (!status || !window.EventSource) {
    return;
  }
  var table = document.getElementById("queue");
  var rows = document.getElementById("queue-rows");
  var announcer = document.getElementById("live-melding");
  var notice = document.getElementById("live-notice");
  var insert = status.getAttribute("data-insert") === "ja";
  var source = new EventSource(status.getAttribute("data-url"));

  function announce(text) {
    if (announcer && text) {
      announcer.textContent = text;
    }
  }

  function count(change) {
    var element = document.getElementById("queue-count");
    if (element) {
      var total = parseInt(element.getAttribute("data-total"), 10) + change;
      element.setAttribute("data-total", String(total));
      element.textContent = total + (total === 1 ? " escalatie" : " escalaties");
    }
  }

  function rowFrom(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  source.addEventListener("open", function () {
    status.hidden = false;
    status.classList.remove("live-lost");
  });

  source.addEventListener("error", function () {
    status.classList.add("live-lost");
  });

  source.addEventListener("escalatie", function (event) {
    var change = JSON.parse(event.data);
    var row = rowFrom(change.html);
    var existing = document.getElementById(row.id);
    if (existing && existing.outerHTML === row.outerHTML) {
      return; // already shown as it is (sent again after a reconnect)
    }
    if (existing) {
      existing.replaceWith(row);
    } else if (insert) {
      rows.prepend(row);
      table.hidden = false;
      count(1);
      var empty = document.getElementById("queue-empty");
      if (empty) {
        empty.hidden = true;
      }
    } else {
      notice.hidden = false;
      announce(change.melding + " Vernieuw de lijst om haar te zien.");
      return;
    }
    row.classList.add("live-changed");
    announce(change.melding);
  });

  source.addEventListener("verdwenen", function (event) {
    var change = JSON.parse(event.data);
    var existing = document.getElementById("escalatie-" + change.id);
    if (existing) {
      existing.remove();
      count(-1);
      announce(change.melding);
    }
  });
})();
