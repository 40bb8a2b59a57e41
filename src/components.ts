export { default as Var } from './components/Var.astro';
export { default as Tabs } from './components/Tabs.astro';
export { default as TabItem } from './components/TabItem.astro';
export { default as Severity } from './components/Severity.astro';
