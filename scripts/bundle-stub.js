// Stands in for react-devtools-core in the bundle (scripts/bundle.js): ink loads it only when DEV=true.
const devtools = { initialize() {}, connectToDevTools() {} };
export default devtools;
