package org.vkllm;

import java.nio.charset.StandardCharsets;

/**
 * One model on one Vulkan device, over vkllm's C API (libvkllm.so) through
 * libvkllm_jni.so. Calls on one Engine are serialised: a second generate()
 * waits for the first. cancel() may be called from any thread. Failures throw
 * VkllmException with the engine's message.
 *
 * <pre>
 * try (Engine engine = new Engine("/data/.../model", new Engine.Options().pipelineCacheDir(cacheDir))) {
 *     String text = engine.generate("And God said", 32, 0f, 0, (token, piece) -> { show(piece); return true; });
 * }
 * </pre>
 */
public final class Engine implements AutoCloseable {
    static {
        System.loadLibrary("vkllm_jni");
    }

    /** Receives each new token and the text it completes; return false to stop generating. */
    public interface TokenCallback {
        boolean onToken(int token, String text);
    }

    /** Engine settings; unset fields keep the engine's defaults. */
    public static final class Options {
        String tokenizerPath, device, pipelineCacheDir;
        int context;
        boolean validation;

        /** A tokenizer.json (or folder) other than the model's own. */
        public Options tokenizerPath(String path) { tokenizerPath = path; return this; }
        /** A device index or part of its name; default the best. */
        public Options device(String selector) { device = selector; return this; }
        /** Where the driver's pipeline cache is kept (on Android: Context.getCacheDir()); default none. */
        public Options pipelineCacheDir(String dir) { pipelineCacheDir = dir; return this; }
        /** Most tokens a sequence may hold; 0: the model's. */
        public Options context(int tokens) { context = tokens; return this; }
        /** Enable the Khronos validation layer (development). */
        public Options validation(boolean on) { validation = on; return this; }
    }

    private volatile long handle;  // the JNI side's state; 0 once closed

    public Engine(String modelPath) {
        this(modelPath, new Options());
    }

    public Engine(String modelPath, Options options) {
        handle = nativeCreate(utf8(modelPath), utf8(options.tokenizerPath), utf8(options.device),
                              utf8(options.pipelineCacheDir), options.context, options.validation);
    }

    /**
     * Generates up to maxTokens tokens after the prompt (temperature 0: greedy;
     * repetition penalty off) and returns the generated text; callback (may be
     * null) hears each token as it comes.
     */
    public String generate(String prompt, int maxTokens, float temperature, long seed, TokenCallback callback) {
        return text(nativeGenerate(live(), utf8(prompt), maxTokens, temperature, seed, callback));
    }

    /** The prompt's token ids, with the tokenizer's BOS. */
    public int[] tokenize(String text) {
        return nativeTokenize(live(), utf8(text));
    }

    public String detokenize(int[] tokens) {
        return text(nativeDetokenize(live(), tokens));
    }

    /** Ends the generation in progress (any thread); generate() returns what it has. */
    public void cancel() {
        nativeCancel(live());
    }

    public String deviceName() {
        return text(nativeDeviceName(live()));
    }

    /** Messages the validation layer reported so far (0 without Options.validation). */
    public long validationMessages() {
        return nativeValidationMessages(live());
    }

    /** Frees the engine (waits for a generation in progress on another thread). */
    @Override
    public synchronized void close() {
        if (handle != 0) nativeDestroy(handle);
        handle = 0;
    }

    // Not synchronized: cancel() from a token callback must not wait for a close() on another thread.
    private long live() {
        if (handle == 0) throw new IllegalStateException("the engine is closed");
        return handle;
    }

    // Called by the JNI side for each token: the text arrives as UTF-8 bytes.
    private static boolean dispatch(TokenCallback callback, int token, byte[] utf8) {
        return callback.onToken(token, text(utf8));
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static native long nativeCreate(byte[] model, byte[] tokenizer, byte[] device, byte[] pipelineCacheDir,
                                            int context, boolean validation);
    private static native byte[] nativeGenerate(long handle, byte[] prompt, int maxTokens, float temperature, long seed,
                                                TokenCallback callback);
    private static native int[] nativeTokenize(long handle, byte[] text);
    private static native byte[] nativeDetokenize(long handle, int[] tokens);
    private static native void nativeCancel(long handle);
    private static native byte[] nativeDeviceName(long handle);
    private static native long nativeValidationMessages(long handle);
    private static native void nativeDestroy(long handle);
}
