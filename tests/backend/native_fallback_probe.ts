/** Run by native_fallback_test.ts in a child process with restricted permissions: prints the backend initBackend() picks. */
import { initBackend } from "../../lib/backend.ts";

try {
  const info = await initBackend();
  console.log(JSON.stringify({ name: info.name, reason: info.reason }));
} catch (err) {
  console.log(JSON.stringify({ error: (err as Error).message }));
}
