export const greeting: string = "héllo 👋";

export enum Color { Red, Green = "g" }
export type T<X> = X extends string ? "s" : never;
namespace NS { export const v = 1 }
export abstract class Base<T> { constructor(private readonly t: T) {} }
