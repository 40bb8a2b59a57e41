/// <reference types="astro/client" />

// `tsc` alone cannot read `.astro` files (`astro check` does); give it their default export.
declare module '*.astro' {
	const Component: (props: Record<string, unknown>) => unknown;
	export default Component;
}
