export { default as Var } from './components/Var.astro';
export { default as Severity } from './components/Severity.astro';
