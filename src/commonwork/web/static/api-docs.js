// Starts the API browser at /api/docs on the node's own OpenAPI document (no inline script:
// the Content-Security-Policy allows scripts from this node only).
window.addEventListener("DOMContentLoaded", function () {
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
  });
});
