package org.vkllm;

import java.nio.charset.StandardCharsets;

/** A failure reported by the engine: its status code (vkllm_status in vkllm.h) and message. */
public class VkllmException extends RuntimeException {
    private final int status;

    public VkllmException(int status, String message) {
        super(message);
        this.status = status;
    }

    // Made by the JNI side, which has the message as UTF-8 bytes.
    VkllmException(int status, byte[] utf8Message) {
        this(status, new String(utf8Message, StandardCharsets.UTF_8));
    }

    /** The vkllm_status code: 1 invalid argument, 2 bad input, 3 device, 4 out of memory, ... */
    public int status() {
        return status;
    }
}
