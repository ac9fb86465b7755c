// The handout field as an accessible combobox (WAI-ARIA 1.2, list autocomplete): as the person types,
// the server's search (POST /search, apps/web/search.py) ranks the handouts by name, abbreviation, id,
// search word ("weakness", "IVIG") or the start of a word ("myasth", "gravis"); arrow keys move through
// the matches, Enter picks one, Escape closes the list. The live region under the field says how many
// match, or "No handout matches", with a "Did you mean" button for a near spelling. Without JavaScript
// the field keeps its native <datalist> and the "Find" button asks the server for the same answer.
(function () {
  "use strict";

  function enhance(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var region = document.getElementById("handout-search");
    var find = document.getElementById("handout-find");
    if (!list || !region || !find || !window.fetch) { return; }
    var url = find.getAttribute("formaction");
    var form = input.form;
    var box = document.createElement("ul");
    box.id = input.id + "-listbox";
    box.setAttribute("role", "listbox");
    box.setAttribute("aria-label", "Matching handouts");
    box.hidden = true;
    input.removeAttribute("list");
    list.remove();
    find.remove();
    input.parentNode.appendChild(box);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", box.id);
    var active = -1;
    var asked = null;  // the text the answer shown is for
    var queue = Promise.resolve();  // answers and keys, in the order they came
    var waiting = 0;

    function later(step) {
      waiting += 1;
      queue = queue.then(step).catch(function () { return null; }).then(function () { waiting -= 1; });
    }

    function options() { return box.querySelectorAll("[role=option]"); }

    function close() {
      box.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function ask() {
      var typed = input.value;
      if (typed === asked) { return null; }
      asked = typed;
      if (!typed.trim()) { show(null); return null; }
      var body = new FormData();
      body.append("csrf_token", form.elements.csrf_token.value);
      body.append("q", typed);
      return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                          headers: { "Accept": "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (found) { if (input.value === typed) { show(found); } });
    }

    function show(found) {
      box.textContent = "";
      (found ? found.results : []).forEach(function (c, i) {
        var item = document.createElement("li");
        item.id = box.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = c.label;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { pick(c.label); });
        box.appendChild(item);
      });
      close();
      var any = options().length > 0;
      box.hidden = !any || document.activeElement !== input;
      input.setAttribute("aria-expanded", box.hidden ? "false" : "true");
      say(found);
    }

    function say(found) {
      region.textContent = "";
      if (!found) { return; }
      var line = document.createElement("p");
      line.textContent = found.message;
      region.appendChild(line);
      if (found.suggestion) {
        var offer = document.createElement("p");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.textContent = found.suggestion.label;
        button.addEventListener("click", function () { pick(found.suggestion.label); });
        offer.append("Did you mean ", button, "?");
        region.appendChild(offer);
      }
    }

    function move(step) {
      if (box.hidden && options().length) {
        box.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      var items = options();
      if (!items.length) { return; }
      if (active >= 0) { items[active].setAttribute("aria-selected", "false"); }
      active = (active + step + items.length) % items.length;
      items[active].setAttribute("aria-selected", "true");
      items[active].scrollIntoView({ block: "nearest" });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    function pick(label) {
      input.value = label;
      asked = label;
      close();
      region.textContent = "";
      input.focus();
    }

    function enter() {
      if (!box.hidden && active >= 0) {
        pick(options()[active].textContent);
      } else {
        form.querySelector("button[type=submit]:not([name=pick])").click();  // as Enter would have
      }
    }

    input.addEventListener("input", function () { later(ask); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        later(ask);
        later(function () { move(step); });
      } else if (event.key === "Enter" && (waiting > 0 || (!box.hidden && active >= 0))) {
        event.preventDefault();
        later(enter);
      } else if (event.key === "Escape" && !box.hidden) {
        event.preventDefault();
        close();
      }
    });
  }

  document.querySelectorAll("input[list][name=handout]").forEach(enhance);
}());
