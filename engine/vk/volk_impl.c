// volk ships as one C file; building it here keeps the loader entry points in vkllm_vk.
#include <volk.c>
