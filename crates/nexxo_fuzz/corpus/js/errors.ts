// A module with a syntax error after wide characters on the same line.
const 名前 = "テスト"; const x = ;
export { 名前 };
