export { default as Var } from './components/Var.astro';
export { default as Tabs } from './components/Tabs.astro';
export { default as TabItem } from './components/TabItem.astro';
export { default as Severity } from './components/Severity.astro';
export { default as DecisionTree } from './components/DecisionTree.astro';
export { default as Decision } from './components/Decision.astro';
export { default as When } from './components/When.astro';
export { default as RunAll } from './components/RunAll.astro';
