interface ImportMetaEnv {
  readonly NEXXO_GREETING: string;
  readonly MODE: string;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
declare module "*.module.css" {
  const classes: Record<string, string>;
  export default classes;
}
declare module "*.png" {
  const url: string;
  export default url;
}
