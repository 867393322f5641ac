//
export{gen}
export{gen}