// Records Content-Security-Policy violations (the page is served with a CSP that
// allows WebAssembly but neither eval/new Function nor any fetch), before the
// module scripts run.
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective}: ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
