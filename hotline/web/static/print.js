// The work order page's "Print" button (inline handlers are refused by the page's CSP).
document.getElementById("print-now")?.addEventListener("click", () => window.print());
