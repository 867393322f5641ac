import "./style.css";
import seed from "./seed.json";
import { TodoList } from "./todo";

const list = new TodoList(seed.items);
const ul = document.querySelector<HTMLUListElement>("#list")!;
const footer = document.querySelector<HTMLParagraphElement>("#footer")!;

function render() {
  ul.replaceChildren(
    ...list.items.map((item, i) => {
      const li = document.createElement("li");
      li.textContent = item.text;
      li.className = item.done ? "done" : "";
      li.addEventListener("click", () => {
        list.toggle(i);
        render();
      });
      return li;
    }),
  );
  footer.textContent = `${list.remaining()} of ${list.items.length} left`;
}

document.querySelector<HTMLFormElement>("#add")!.addEventListener("submit", (e) => {
  e.preventDefault();
  const input = (e.target as HTMLFormElement).elements.namedItem("text") as HTMLInputElement;
  if (input.value.trim()) list.add(input.value.trim());
  input.value = "";
  render();
});

render();
