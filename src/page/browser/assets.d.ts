/** The stylesheet main.ts imports: esbuild writes it out as dist/page/app.css. */
declare module '*.css';
