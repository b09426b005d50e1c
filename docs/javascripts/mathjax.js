// MathJax typesets the formulas pymdownx.arithmatex leaves as \( ... \) and \[ ... \] in spans of
// class "arithmatex" (the generated layer reference, the mistake catalogue, the worked solutions).
// Only those spans are read, so a literal backslash-parenthesis in code stays as written.
window.MathJax = {
  tex: { inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: true, processEnvironments: true },
  options: { ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex" },
};

// Material's instant navigation swaps pages without reloading: typeset each page it shows.
document$.subscribe(() => {
  if (window.MathJax.typesetPromise) {
    MathJax.startup.output.clearCache();
    MathJax.typesetClear();
    MathJax.texReset();
    MathJax.typesetPromise();
  }
});
