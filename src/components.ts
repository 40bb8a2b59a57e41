export { default as Var } from './components/Var.astro';
