import org.vkllm.Engine;
import org.vkllm.VkllmException;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * capi_jvm's program: MODEL PROMPT N prints the prompt, a greedy completion of
 * N tokens streamed through the callback, and a newline, as
 * `vkllm run --greedy --repeat-penalty 1 -q` does; then checks, exiting 1 on
 * a failure: the returned text equals the streamed one, tokenize/detokenize
 * round-trip the prompt and a text outside the BMP, a missing model throws VkllmException naming it,
 * cancel() from the callback stops early, and (with VKLLM_VALIDATION) the
 * validation layer reported nothing.
 */
public final class GenerateMain {
    public static void main(String[] args) throws Exception {
        String model = args[0], prompt = args[1];
        int n = Integer.parseInt(args[2]);
        String v = System.getenv("VKLLM_VALIDATION");
        boolean validation = v != null && !v.isEmpty() && !v.equals("0");
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);

        try {
            new Engine("/nonexistent/jvm-model").close();
            fail("a missing model did not throw");
        } catch (VkllmException e) {
            if (e.status() != 2 || !e.getMessage().contains("/nonexistent/jvm-model"))
                fail("a missing model threw status " + e.status() + ": " + e.getMessage());
        }

        try (Engine engine = new Engine(model, new Engine.Options().validation(validation))) {
            StringBuilder streamed = new StringBuilder();
            out.print(prompt);
            String text = engine.generate(prompt, n, 0f, 0, (token, piece) -> {
                out.print(piece);
                streamed.append(piece);
                return true;
            });
            out.print("\n");
            out.flush();
            if (!text.equals(streamed.toString())) fail("generate returned '" + text + "', the callback heard '" + streamed + "'");

            int[] ids = engine.tokenize(prompt);
            if (ids.length < 2 || !engine.detokenize(ids).contains(prompt))
                fail("tokenize/detokenize did not round-trip the prompt");
            // Characters outside ASCII and the BMP cross JNI as UTF-8 bytes, not modified UTF-8.
            String unicode = "na\u00efve \u2014 \ud83d\ude42";
            String back = engine.detokenize(engine.tokenize(unicode));
            if (!back.contains(unicode)) fail("'" + unicode + "' came back as '" + back + "'");

            int[] seen = {0};
            String partial = engine.generate(prompt, n, 0f, 0, (token, piece) -> {
                if (token >= 0 && ++seen[0] == 3) engine.cancel();
                return true;
            });
            if (seen[0] != 3 || !text.startsWith(partial)) fail("cancel() did not stop after 3 tokens (" + seen[0] + ")");

            try {
                engine.generate(prompt, 0, 0f, 0, null);
                fail("maxTokens 0 did not throw");
            } catch (VkllmException e) {
                if (!e.getMessage().contains("maxTokens")) fail("maxTokens 0 threw: " + e.getMessage());
            }
            if (engine.validationMessages() != 0) fail(engine.validationMessages() + " validation layer messages");
        }
    }

    private static void fail(String message) {
        System.err.println("GenerateMain: " + message);
        System.exit(1);
    }
}
