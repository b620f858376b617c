package dev.rlhf4j.cli;
public class Main { public static void main(String[] a) {} }
