// Small progressive enhancements; every page works without them.
document.addEventListener("submit", (event) => {
  const form = event.target;
  // the form's own question, or that of the button that sent it (a form with
  // several actions asks only for the one that cannot be undone)
  const message = form.dataset.confirm || event.submitter?.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
    return;
  }
  // A double click must not send the same form twice.
  if (form.dataset.sent === "1") {
    event.preventDefault();
    return;
  }
  if (!form.hasAttribute("data-allow-resubmit")) {
    form.dataset.sent = "1";
    setTimeout(() => { form.dataset.sent = "0"; }, 4000);
  }
});
// "Select all on this page" for a bulk action's checkboxes (form="…").
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!box.classList || !box.classList.contains("select-all")) return;
  const selector = `input[type=checkbox][form="${box.dataset.form}"]`;
  document.querySelectorAll(selector).forEach((item) => {
    item.checked = box.checked;
  });
});
