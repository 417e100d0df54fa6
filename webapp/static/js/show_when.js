// Progressive disclosure for forms: a field marked data-show-when="<checkbox name>" is shown only while that
// checkbox is ticked. Without JavaScript every field stays visible (the server still checks the rules).
(function () {
  "use strict";
  function wire(field) {
    var form = field.closest("form");
    var box = form && form.querySelector('input[type="checkbox"][name="' + field.dataset.showWhen + '"]');
    if (!box) { return; }
    var update = function () {
      field.hidden = !box.checked;
      field.querySelectorAll("input, textarea, select").forEach(function (el) { el.disabled = !box.checked; });
    };
    box.addEventListener("change", update);
    update();
  }
  document.querySelectorAll("[data-show-when]").forEach(wire);
}());
