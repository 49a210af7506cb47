// Files imported `with { type: "text" }` arrive as their text (embedded by `bun build --compile`).
declare module "*.md" {
  const text: string;
  export default text;
}
