#!/usr/bin/env node
// The `pergola` command. A committed file, so that `npm install` links it on a fresh clone
// (npm links no bin whose file does not exist yet, and dist/ appears only with the build).
import "../dist/pergola.js";
