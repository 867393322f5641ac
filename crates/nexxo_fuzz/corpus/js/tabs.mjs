const a = 1;	const b = "\u{1F600}"; 
let s = "line\
continued";
export default a + b.length;
