import a from "./a";
export const b = a + 1;
// comment
export default class C extends Array {
	static x = 1;
	#p = 2;
	get p() { return this.#p }
}
