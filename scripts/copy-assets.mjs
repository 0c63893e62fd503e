// Copies the design system from node_modules to static/vendor (not committed).
// Only KERN: the dev dependency axe-core stays in node_modules, where the accessibility
// test (tests/e2e/test_accessibility.py) reads it; it is never served.
import { cpSync, mkdirSync, rmSync } from "node:fs";

const source = "node_modules/@kern-ux/native/dist";
const target = "static/vendor/kern";
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const file of ["kern.min.css", "fonts/fira-sans.css", "fonts/fira-sans"]) {
  cpSync(`${source}/${file}`, `${target}/${file}`, { recursive: true });
}
console.log(`KERN UX assets copied to ${target}`);
