// Ambient types for the renderer build: Vite client (CSS and asset imports) and Svelte.
/// <reference types="vite/client" />
/// <reference types="svelte" />
